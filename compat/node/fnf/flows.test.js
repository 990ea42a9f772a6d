'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { client, rejects, wireTime, eventually, passFlow, flowName } = require('./fnf');

const nodeFlow = flowName('flow');
const nodeFlow2 = flowName('flow_2');

test('flows: create, describe, update, list in pages, delete', async () => {
  const c = client();
  const created = await c.createFlow({ Name: nodeFlow, Definition: passFlow, Description: 'made by Node', Type: 'FDL' });
  assert.equal(created.Name, nodeFlow);
  assert.equal(created.Definition, passFlow);
  assert.equal(created.Description, 'made by Node');
  assert.equal(created.Type, 'FDL');
  assert.equal(created.ExecutionMode, 'Standard');
  assert.match(created.Id, /^[0-9a-f-]{36}$/);
  assert.match(created.CreatedTime, wireTime);
  assert.match(created.LastModifiedTime, wireTime);
  assert.ok(created.RequestId);
  await rejects(c.createFlow({ Name: nodeFlow, Definition: passFlow, Description: '', Type: 'FDL' }), 409, 'FlowAlreadyExists');

  const described = await c.describeFlow({ Name: nodeFlow });
  for (const field of ['Id', 'Name', 'Definition', 'Description', 'Type', 'ExecutionMode', 'CreatedTime', 'LastModifiedTime']) {
    assert.equal(described[field], created[field], field);
  }

  const updated = await c.updateFlow({ Name: nodeFlow, Description: 'updated by Node' });
  assert.equal(updated.Description, 'updated by Node');
  assert.equal(updated.Definition, passFlow);
  assert.equal(updated.Id, created.Id);
  await rejects(c.updateFlow({ Name: nodeFlow, Definition: 'steps: [' }), 400, 'InvalidArgument');

  await c.createFlow({ Name: nodeFlow2, Definition: passFlow, Description: '', Type: 'FDL' });
  // One flow a page, so that both flows can only be seen by following NextToken.
  await eventually(async () => {
    const seen = new Set();
    let NextToken = '';
    do {
      const page = await c.listFlows(NextToken ? { Limit: 1, NextToken } : { Limit: 1 });
      assert.ok(page.Flows.length <= 1);
      for (const flow of page.Flows) {
        seen.add(flow.Name);
        if (flow.Name === nodeFlow) {
          assert.equal(flow.Description, 'updated by Node');
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    assert.ok(seen.has(nodeFlow) && seen.has(nodeFlow2), `listed ${[...seen]}`);
  });

  const deleted = await c.deleteFlow({ Name: nodeFlow });
  assert.ok(deleted.RequestId);
  await rejects(c.describeFlow({ Name: nodeFlow }), 404, 'FlowNotExists');
  await rejects(c.deleteFlow({ Name: nodeFlow }), 404, 'FlowNotExists');
});

test('a wrong secret is refused by the signature check', async () => {
  await rejects(client('not the secret').describeFlow({ Name: nodeFlow2 }), 403, 'SignatureNotMatch');
});
