'use strict';
// What the tests share: a client of Alibaba's official Node.js SDK pointed at
// the gateway that TestNodeSDK (gateway/node_sdk_test.go) started, and the
// checks they repeat.

const assert = require('node:assert/strict');
const Client = require('@alicloud/fnf-2019-03-15');

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests with go test -run TestNodeSDK ./gateway`);
  }
  return value;
}

// The flows come from the Go harness: callbackFlow's task is bound to the
// harness's hand-over function, which only the Go side can start.
const passFlow = env('FNFLOW_PASS_FLOW');
const callbackFlow = env('FNFLOW_CALLBACK_FLOW');

// The flows' names begin with a prefix of the Go test's run: go test -count=2
// runs the tests twice on the same server, and the second run must not find
// the flows of the first.
const namePrefix = env('FNFLOW_NAME_PREFIX');

function flowName(name) {
  return namePrefix + name;
}

function client(secret = env('FNFLOW_ACCESS_KEY_SECRET')) {
  return new Client({
    endpoint: env('FNFLOW_ENDPOINT'),
    accessKeyId: env('FNFLOW_ACCESS_KEY_ID'),
    accessKeySecret: secret,
  });
}

// The SDK throws when a reply carries a Code, whatever its HTTP status; the
// status is only on err.entry.
async function rejects(promise, status, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, err.message);
    assert.equal(err.name, `${code}Error`);
    assert.equal(err.entry.response.statusCode, status);
    assert.equal(typeof err.data.RequestId, 'string');
    assert.ok(err.data.RequestId);
    assert.equal(typeof err.data.Message, 'string');
    return true;
  });
}

// waiting is the request option for DescribeExecution with WaitTimeSeconds:
// the SDK's HTTP client (httpx) gives up reading a reply after 3 s otherwise.
const waiting = { timeout: 40000 };

const wireTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// eventually retries check for what reads Temporal's eventually consistent
// visibility store, or waits for a step to get going.
async function eventually(check) {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) {
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

// taskToken reads the token of the execution's waiting step from its
// history, as a worker that was not handed the token would.
async function taskToken(c, flowName, executionName) {
  return eventually(async () => {
    const history = await c.getExecutionHistory({ FlowName: flowName, ExecutionName: executionName });
    const submitted = history.Events.find((event) => event.Type === 'TaskSubmitted');
    assert.ok(submitted, 'no TaskSubmitted event yet');
    return JSON.parse(submitted.EventDetail).taskToken;
  });
}

module.exports = { client, waiting, rejects, wireTime, eventually, taskToken, passFlow, callbackFlow, flowName };
