'use strict';
// fnflow's extensions (docs/api.md, Extensions) through the SDK's generic
// call, client.request(action, params, {method: 'POST'}): the SDK has no
// method of its own for them, and signs and sends them like any action.
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { client, waiting, rejects, eventually, wireTime, callbackFlow, flowName } = require('./fnf');

const c = client();
const post = { method: 'POST' };
const ext = flowName('ext');
const extEach = flowName('ext_each');

// One approval per item, every one at the step path each/approve; bound to
// the harness's hand-over function like callbackFlow.
const approvalsFlow = `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: task
        name: approve
        resourceArn: acs:fc:::services/test/functions/hand-over
        pattern: waitForCallback
        inputMappings:
          - target: key
            source: $input.key
          - target: taskToken
            source: $context.task.token
        outputMappings:
          - target: verdict
            source: $local.verdict
    outputMappings:
      - target: verdicts
        source: $local[*].verdict
`;

before(async () => {
  await c.createFlow({ Name: ext, Definition: callbackFlow, Description: '', Type: 'FDL' });
  await c.createFlow({ Name: extEach, Definition: approvalsFlow, Description: '', Type: 'FDL' });
});

// waitingTasks waits until n tasks of the execution wait for a report.
async function waitingTasks(flowName, executionName, n) {
  return eventually(async () => {
    const listed = await c.request('ListWaitingTasks', { FlowName: flowName, ExecutionName: executionName }, post);
    assert.equal(listed.Tasks.length, n, JSON.stringify(listed));
    return listed.Tasks;
  });
}

test('ReportTaskHeartbeat shows in ListWaitingTasks; ReportStepSucceeded ends the step by its path', async () => {
  await c.startExecution({ FlowName: ext, ExecutionName: 'e1', Input: `{"key":"${ext}/e1"}` });
  const [task] = await waitingTasks(ext, 'e1', 1);
  assert.equal(task.FlowName, ext);
  assert.equal(task.ExecutionName, 'e1');
  assert.equal(task.StepPath, 'wait_here');
  assert.equal(task.StepName, 'wait_here');
  assert.equal(task.Attempt, 1);
  assert.equal(typeof task.TaskEventId, 'number');
  assert.match(task.Since, wireTime);
  assert.ok(task.TaskToken);

  const beat = await c.request('ReportTaskHeartbeat', { TaskToken: task.TaskToken, Details: '{"progress":40}' }, post);
  assert.ok(beat.RequestId);
  const [beaten] = await waitingTasks(ext, 'e1', 1);
  assert.equal(beaten.HeartbeatDetails, '{"progress":40}');
  assert.match(beaten.LastHeartbeat, wireTime);

  const reported = await c.request('ReportStepSucceeded',
    { FlowName: ext, ExecutionName: 'e1', StepPath: 'wait_here', Output: '{"status":"by path"}' }, post);
  assert.equal(reported.StepPath, 'wait_here');
  assert.equal(reported.TaskEventId, task.TaskEventId);
  const done = await c.describeExecution({ FlowName: ext, ExecutionName: 'e1', WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Status, 'Succeeded');
  assert.equal(done.Output, '{"s":"by path"}');

  await rejects(c.request('ReportTaskHeartbeat', { TaskToken: task.TaskToken }, post), 400, 'TaskAlreadyCompleted');
  await rejects(c.request('ReportStepSucceeded', { FlowName: ext, ExecutionName: 'e1', StepPath: 'wait_here' }, post), 400, 'TaskNotWaiting');
  await rejects(c.request('ReportTaskHeartbeat', { TaskToken: task.TaskToken, Details: '{oops' }, post), 400, 'InvalidArgument');
});

test('two iterations at one step path: a report must name its TaskEventId', async () => {
  await c.startExecution({ FlowName: extEach, ExecutionName: 'm1', Input: `{"key":"${extEach}/m1","items":[1,2]}` });
  const tasks = await waitingTasks(extEach, 'm1', 2);
  for (const task of tasks) {
    assert.equal(task.StepPath, 'each/approve');
  }
  await rejects(c.request('ReportStepSucceeded', { FlowName: extEach, ExecutionName: 'm1', StepPath: 'each/approve' }, post),
    400, 'AmbiguousTask');
  for (const task of tasks) {
    await c.request('ReportStepSucceeded',
      { FlowName: extEach, ExecutionName: 'm1', StepPath: 'each/approve', TaskEventId: task.TaskEventId, Output: '{"verdict":"yes"}' }, post);
  }
  const done = await c.describeExecution({ FlowName: extEach, ExecutionName: 'm1', WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Output, '{"verdicts":["yes","yes"]}');
  await rejects(c.request('ReportStepSucceeded',
    { FlowName: extEach, ExecutionName: 'm1', StepPath: 'each/approve', TaskEventId: tasks[0].TaskEventId }, post),
  400, 'TaskAlreadyCompleted');
});

test('ReportStepFailed fails the step; ListWaitingTasks across the flow', async () => {
  await c.startExecution({ FlowName: ext, ExecutionName: 'f1', Input: `{"key":"${ext}/f1"}` });
  await waitingTasks(ext, 'f1', 1);
  const inbox = await eventually(async () => {
    const listed = await c.request('ListWaitingTasks', { FlowName: ext }, post);
    assert.deepEqual(listed.Tasks.map((task) => task.ExecutionName), ['f1']);
    return listed;
  });
  assert.equal(inbox.NextToken, undefined);

  await c.request('ReportStepFailed',
    { FlowName: ext, ExecutionName: 'f1', StepPath: 'wait_here', Error: 'Approval.Denied', Cause: 'over budget' }, post);
  const done = await c.describeExecution({ FlowName: ext, ExecutionName: 'f1', WaitTimeSeconds: 30 }, waiting);
  assert.equal(done.Status, 'Failed');
  const history = await c.getExecutionHistory({ FlowName: ext, ExecutionName: 'f1' });
  assert.deepEqual(JSON.parse(history.Events.at(-1).EventDetail), { error: 'Approval.Denied', cause: 'over budget' });

  await rejects(c.request('ListWaitingTasks', { FlowName: ext, ExecutionName: 'nope' }, post), 404, 'ExecutionNotExists');
});
