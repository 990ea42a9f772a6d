'use strict';
// Express flows and StartSyncExecution. The SDK has no method for
// StartSyncExecution: a caller uses its generic request, with a timeout as
// long as the flow may run (the SDK gives up on a reply after 3 s).
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { client, rejects, wireTime, passFlow, flowName } = require('./fnf');

const c = client();
const express = flowName('express');
const expressFails = flowName('express_fails');
const standard = flowName('standard');

const failFlow = `version: v1
type: flow
steps:
  - type: fail
    name: nope
    error: Order.Invalid
    cause: no such order
`;

const syncName = (base) => new RegExp(`^${base}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

function startSync(params) {
  return c.request('StartSyncExecution', params, { method: 'POST', timeout: 40000 });
}

before(async () => {
  const created = await c.createFlow({ Name: express, Definition: passFlow, Description: '', Type: 'FDL', ExecutionMode: 'Express' });
  assert.equal(created.ExecutionMode, 'Express');
  await c.createFlow({ Name: expressFails, Definition: failFlow, Description: '', Type: 'FDL', ExecutionMode: 'Express' });
  await c.createFlow({ Name: standard, Definition: passFlow, Description: '', Type: 'FDL' });
});

test('StartSyncExecution answers with the output', async () => {
  const done = await startSync({ FlowName: express, ExecutionName: 'order', Input: '{"a":123456789012345678901234567890}' });
  assert.match(done.Name, syncName('order'));
  assert.equal(done.FlowName, express);
  assert.equal(done.Status, 'Succeeded');
  assert.equal(done.Output, '{"got":123456789012345678901234567890}');
  assert.equal(done.ErrorCode, undefined);
  assert.match(done.StartedTime, wireTime);
  assert.match(done.StoppedTime, wireTime);

  // The execution is kept: it can be described and its history read.
  const described = await c.describeExecution({ FlowName: express, ExecutionName: done.Name });
  assert.equal(described.Status, 'Succeeded');
  const history = await c.getExecutionHistory({ FlowName: express, ExecutionName: done.Name });
  assert.equal(history.Events.at(-1).Type, 'ExecutionSucceeded');
});

test('StartSyncExecution answers with the error and cause', async () => {
  const failed = await startSync({ FlowName: expressFails });
  assert.match(failed.Name, syncName('exec'));
  assert.equal(failed.Status, 'Failed');
  assert.equal(failed.ErrorCode, 'Order.Invalid');
  assert.equal(failed.ErrorMessage, 'no such order');
  assert.equal(failed.Output, undefined);
});

test('each start action refuses the flows of the other mode', async () => {
  await rejects(startSync({ FlowName: standard }), 400, 'InvalidArgument');
  await rejects(c.startExecution({ FlowName: express }), 400, 'InvalidArgument');
  await rejects(startSync({ FlowName: 'no_such_flow' }), 404, 'FlowNotExists');
  await rejects(startSync({ FlowName: express, ExecutionName: '9lives' }), 400, 'InvalidArgument');

  const updated = await c.updateFlow({ Name: standard, ExecutionMode: 'Express' });
  assert.equal(updated.ExecutionMode, 'Express');
  const done = await startSync({ FlowName: standard, Input: '{"a":1}' });
  assert.equal(done.Output, '{"got":1}');
  await rejects(c.updateFlow({ Name: standard, ExecutionMode: 'Fast' }), 400, 'InvalidArgument');
});

test('an action the API does not have is refused', async () => {
  await rejects(c.request('LaunchRocket', {}, { method: 'POST' }), 400, 'ActionNotSupported');
});
