'use strict';
// What the MNS tests share: a client of Alibaba's official Node.js MNS SDK
// (@alicloud/mns) pointed at the gateway that TestNodeMNSSDK
// (gateway/node_mns_test.go) started, and the checks they repeat.

const assert = require('node:assert/strict');
const MNS = require('@alicloud/mns');
const { toXMLBuffer } = require('@alicloud/mns/lib/helper');

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests with go test -run TestNodeMNSSDK ./gateway`);
  }
  return value;
}

function client(secret = env('FNFLOW_ACCESS_KEY_SECRET')) {
  return new MNS('1234567890', {
    endpoint: env('FNFLOW_ENDPOINT'),
    accessKeyId: env('FNFLOW_ACCESS_KEY_ID'),
    accessKeySecret: secret,
  });
}

// The SDK throws only for an Error reply, naming the exception MNS<Code>Error
// and putting the status in its message.
async function rejects(promise, status, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, `MNS${code}Error`, err.message);
    assert.match(err.message, new RegExp(`failed with ${status}\\.`));
    assert.match(err.message, /requestid: [0-9A-Za-z-]+,/);
    return true;
  });
}

// The SDK has stubs for the subscription calls and DeleteTopic; their
// requests go through its own signed request method and XML encoder.
function subscribe(c, topic, name, attributes) {
  return c.put(`/topics/${topic}/subscriptions/${name}`, 'Subscription', toXMLBuffer('Subscription', attributes), ['location']);
}

function unsubscribe(c, topic, name) {
  return c.delete(`/topics/${topic}/subscriptions/${name}`, 'Subscription', '');
}

function deleteTopic(c, topic) {
  return c.delete(`/topics/${topic}`, 'Topic', '');
}

function getSubscription(c, topic, name) {
  return c.get(`/topics/${topic}/subscriptions/${name}`, 'Subscription');
}

function setSubscription(c, topic, name, attributes) {
  return c.put(`/topics/${topic}/subscriptions/${name}?metaoverride=true`, 'Subscription', toXMLBuffer('Subscription', attributes));
}

async function listSubscriptions(c, topic, headers = {}) {
  const response = await c.get(`/topics/${topic}/subscriptions`, 'Subscriptions', { headers });
  return response.body;
}

// A one-element list comes back from the SDK's extract as the element's
// fields; more come back as an array.
function asList(v) {
  if (v === undefined) {
    return [];
  }
  return Array.isArray(v) ? v : [v];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what, check, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: ${err.message}`);
      }
      await sleep(100);
    }
  }
}

// Names unique to one run, so that reruns against one server do not collide.
const run = Date.now().toString(36);
const uniqueName = (base) => `${base}-${run}`;

module.exports = {
  client, rejects, subscribe, unsubscribe, deleteTopic, getSubscription, setSubscription,
  listSubscriptions, asList, sleep, eventually, uniqueName,
};
