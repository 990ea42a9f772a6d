'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { client, waiting, rejects, wireTime, eventually, taskToken, passFlow, callbackFlow, flowName } = require('./fnf');

const c = client();
const runs = flowName('runs');
const stops = flowName('stops');

before(async () => {
  await c.createFlow({ Name: runs, Definition: passFlow, Description: '', Type: 'FDL' });
  await c.createFlow({ Name: stops, Definition: callbackFlow, Description: '', Type: 'FDL' });
});

test('an execution runs to the end; a big integer keeps its text', async () => {
  const input = '{"a":123456789012345678901234567890}';
  const started = await c.startExecution({ FlowName: runs, ExecutionName: 'r1', Input: input });
  assert.equal(started.Name, 'r1');
  assert.equal(started.FlowName, runs);
  assert.equal(started.Input, input);
  assert.equal(started.FlowDefinition, passFlow);
  assert.match(started.StartedTime, wireTime);

  const done = await c.describeExecution({ FlowName: runs, ExecutionName: 'r1', WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Status, 'Succeeded');
  assert.equal(done.Output, '{"got":123456789012345678901234567890}');
  assert.match(done.StoppedTime, wireTime);

  await rejects(c.startExecution({ FlowName: runs, ExecutionName: 'r1' }), 400, 'ExecutionAlreadyExists');
  await rejects(c.describeExecution({ FlowName: runs, ExecutionName: 'no_such_run' }), 404, 'ExecutionNotExists');
  await rejects(c.startExecution({ FlowName: 'no_such_flow' }), 404, 'FlowNotExists');

  const history = await c.getExecutionHistory({ FlowName: runs, ExecutionName: 'r1', Limit: 2 });
  assert.deepEqual(history.Events.map((event) => event.EventId), [1, 2]);
  assert.equal(history.Events[0].Type, 'ExecutionStarted');
  assert.equal(history.Events[0].ScheduleEventId, 0);
  assert.match(history.Events[0].Time, wireTime);
  assert.equal(history.NextToken, '2');
  const rest = await c.getExecutionHistory({ FlowName: runs, ExecutionName: 'r1', NextToken: history.NextToken });
  assert.equal(rest.Events[0].EventId, 3);
  const last = rest.Events.at(-1);
  assert.equal(last.Type, 'ExecutionSucceeded');
  assert.match(last.EventDetail, /"got":123456789012345678901234567890\b/);
});

test('an execution without a name gets one; ListExecutions lists both', async () => {
  const started = await c.startExecution({ FlowName: runs, Input: '{"a":"b"}' });
  assert.match(started.Name, /^exec-[0-9a-f-]{36}$/);
  const done = await c.describeExecution({ FlowName: runs, ExecutionName: started.Name, WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Output, '{"got":"b"}');

  await eventually(async () => {
    const listed = await c.listExecutions({ FlowName: runs, Status: 'Succeeded', Limit: 10 });
    assert.deepEqual(listed.Executions.map((execution) => execution.Name).sort(), ['r1', started.Name].sort());
    for (const execution of listed.Executions) {
      assert.equal(execution.FlowName, runs);
      assert.equal(execution.Status, 'Succeeded');
      assert.match(execution.StoppedTime, wireTime);
    }
  });
});

test('a waiting execution is stopped', async () => {
  await c.startExecution({ FlowName: stops, ExecutionName: 's1', Input: `{"key":"${stops}/s1"}` });
  const token = await taskToken(c, stops, 's1');

  const stopped = await c.stopExecution({ FlowName: stops, ExecutionName: 's1', Error: 'Operator.Stop', Cause: 'no longer needed' });
  assert.equal(stopped.Status, 'Stopped');
  assert.match(stopped.StoppedTime, wireTime);
  await rejects(c.stopExecution({ FlowName: stops, ExecutionName: 's1' }), 400, 'ExecutionAlreadyCompleted');
  await rejects(c.reportTaskSucceeded({ TaskToken: token, Output: '{}' }), 400, 'TaskAlreadyCompleted');

  const history = await c.getExecutionHistory({ FlowName: stops, ExecutionName: 's1' });
  const last = history.Events.at(-1);
  assert.equal(last.Type, 'ExecutionStopped');
  assert.deepEqual(JSON.parse(last.EventDetail), { error: 'Operator.Stop', cause: 'no longer needed' });
});

test('ListExecutions items carry Input, Output and FlowDefinition, unless MetadataOnly', async () => {
  await c.startExecution({ FlowName: runs, ExecutionName: 'listed', Input: '{"a":"listed"}' });
  await c.describeExecution({ FlowName: runs, ExecutionName: 'listed', WaitTimeSeconds: 30 }, waiting);
  await eventually(async () => {
    const listed = await c.listExecutions({ FlowName: runs, ExecutionNamePrefix: 'listed' });
    assert.equal(listed.Executions.length, 1);
    const [item] = listed.Executions;
    assert.equal(item.Input, '{"a":"listed"}');
    assert.equal(item.Output, '{"got":"listed"}');
    assert.equal(item.FlowDefinition, passFlow);
  });
  const bare = await c.listExecutions({ FlowName: runs, ExecutionNamePrefix: 'listed', MetadataOnly: true });
  assert.equal(bare.Executions.length, 1);
  assert.equal(bare.Executions[0].Status, 'Succeeded');
  assert.equal(bare.Executions[0].Input, undefined);
  await rejects(c.listExecutions({ FlowName: runs, MetadataOnly: 'sometimes' }), 400, 'InvalidArgument');
});

test('StopExecution answers with the execution object', async () => {
  await c.startExecution({ FlowName: stops, ExecutionName: 's2', Input: `{"key":"${stops}/s2"}` });
  await taskToken(c, stops, 's2');
  const stopped = await c.stopExecution({ FlowName: stops, ExecutionName: 's2' });
  assert.equal(stopped.Name, 's2');
  assert.equal(stopped.FlowName, stops);
  assert.equal(stopped.Status, 'Stopped');
  assert.equal(stopped.Input, `{"key":"${stops}/s2"}`);
  assert.equal(stopped.FlowDefinition, callbackFlow);
  assert.match(stopped.StartedTime, wireTime);
  assert.match(stopped.StoppedTime, wireTime);
  await rejects(c.stopExecution({ FlowName: stops, ExecutionName: 'never_started' }), 404, 'ExecutionNotExists');
});
