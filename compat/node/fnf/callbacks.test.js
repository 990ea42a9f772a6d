'use strict';
// A worker as it would be written with the SDK: it starts an execution, finds
// the waiting step's token in the history and reports the step's end.
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { client, waiting, rejects, taskToken, callbackFlow, flowName } = require('./fnf');

const c = client();
const flow = flowName('callbacks');

before(async () => {
  await c.createFlow({ Name: flow, Definition: callbackFlow, Description: '', Type: 'FDL' });
});

test('ReportTaskSucceeded ends the step; a second report is refused', async () => {
  await c.startExecution({ FlowName: flow, ExecutionName: 'ok1', Input: `{"key":"${flow}/ok1"}` });
  const token = await taskToken(c, flow, 'ok1');

  const reported = await c.reportTaskSucceeded({ TaskToken: token, Output: '{"status":"ok ü"}' });
  assert.ok(reported.RequestId);
  const done = await c.describeExecution({ FlowName: flow, ExecutionName: 'ok1', WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Status, 'Succeeded');
  assert.equal(done.Output, '{"s":"ok ü"}');
  // EventId is the event the report produced.
  const history = await c.getExecutionHistory({ FlowName: flow, ExecutionName: 'ok1' });
  const succeeded = history.Events.find((event) => event.Type === 'TaskSucceeded');
  assert.equal(reported.EventId, succeeded.EventId);

  await rejects(c.reportTaskSucceeded({ TaskToken: token, Output: '{}' }), 400, 'TaskAlreadyCompleted');
});

test('ReportTaskFailed fails the execution with the error and cause', async () => {
  await c.startExecution({ FlowName: flow, ExecutionName: 'fail1', Input: `{"key":"${flow}/fail1"}` });
  const token = await taskToken(c, flow, 'fail1');

  const reported = await c.reportTaskFailed({ TaskToken: token, Error: 'Worker.Failed', Cause: 'it broke: 100% & more' });
  const done = await c.describeExecution({ FlowName: flow, ExecutionName: 'fail1', WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Status, 'Failed');
  const history = await c.getExecutionHistory({ FlowName: flow, ExecutionName: 'fail1' });
  assert.equal(reported.EventId, history.Events.find((event) => event.Type === 'TaskFailed').EventId);
  const last = history.Events.at(-1);
  assert.equal(last.Type, 'ExecutionFailed');
  assert.deepEqual(JSON.parse(last.EventDetail), { error: 'Worker.Failed', cause: 'it broke: 100% & more' });

  await rejects(c.reportTaskFailed({ TaskToken: token, Error: 'Worker.Failed' }), 400, 'TaskAlreadyCompleted');
});

test('a forged token is refused', async () => {
  await rejects(c.reportTaskFailed({ TaskToken: 'tok/with+special chars*~&x=y', Error: 'Worker.Failed' }), 400, 'InvalidArgument');
});
