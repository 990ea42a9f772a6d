'use strict';
// Every topic and subscription operation, through the official Node.js MNS
// SDK, and the notifications a topic pushes to an HTTP subscriber and into a
// queue.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const {
  client, rejects, subscribe, unsubscribe, deleteTopic, getSubscription, setSubscription,
  listSubscriptions, asList, eventually, uniqueName,
} = require('./mns');

const mns = client();

// subscriber is an HTTP endpoint that records every notification and answers
// 204, or 500 for the first `failFirst` requests of a path.
const received = [];
const failures = new Map();
let subscriber;
let endpoint;

before(async () => {
  subscriber = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const left = failures.get(req.url) || 0;
      if (left > 0) {
        failures.set(req.url, left - 1);
        res.writeHead(500).end();
        return;
      }
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${subscriber.address().port}`;
});

after(() => subscriber.close());

const notificationsOf = (path) => received.filter((r) => r.path === path);

// verifySignature checks a notification as Alibaba's receiver samples do:
// fetch the certificate its x-mns-signing-cert-url names and verify the
// RSA-SHA1 signature in Authorization over the MNS string to sign.
async function verifySignature(n) {
  const certURL = Buffer.from(n.headers['x-mns-signing-cert-url'], 'base64').toString('utf8');
  const response = await fetch(certURL);
  assert.equal(response.status, 200, `fetching the certificate at ${certURL}`);
  const certificate = new crypto.X509Certificate(await response.text());
  const mnsHeaders = Object.keys(n.headers).filter((k) => k.startsWith('x-mns-')).sort()
    .map((k) => `${k}:${n.headers[k]}\n`).join('');
  const toSign = `POST\n${n.headers['content-md5'] || ''}\n${n.headers['content-type'] || ''}\n${n.headers.date}\n${mnsHeaders}${n.path}`;
  const valid = crypto.verify('RSA-SHA1', Buffer.from(toSign, 'utf8'), certificate.publicKey, Buffer.from(n.headers.authorization, 'base64'));
  assert.ok(valid, `the signature of the notification to ${n.path} verifies with the certificate at ${certURL}`);
}

test('topic lifecycle: create, identical create, conflict, attributes, list, delete', async () => {
  const t = uniqueName('topic');
  const created = await mns.createTopic(t, { MaximumMessageSize: 4096 });
  assert.equal(created.code, 201);
  assert.match(created.headers.location, new RegExp(`/topics/${t}$`));
  assert.equal((await mns.createTopic(t, { MaximumMessageSize: 4096 })).code, 204);
  await rejects(mns.createTopic(t, { MaximumMessageSize: 8192 }), 409, 'TopicAlreadyExist');

  const attrs = (await mns.getTopicAttributes(t)).body;
  assert.equal(attrs.TopicName, t);
  assert.equal(attrs.MaximumMessageSize, '4096');
  assert.equal(attrs.MessageRetentionPeriod, '86400');
  for (const field of ['CreateTime', 'LastModifyTime', 'MessageCount', 'LoggingEnabled']) {
    assert.ok(field in attrs, `GetTopicAttributes has ${field}`);
  }
  assert.equal((await mns.setTopicAttributes(t, { MaximumMessageSize: 1024 })).code, 204);
  assert.equal((await mns.getTopicAttributes(t)).body.MaximumMessageSize, '1024');

  const listed = await eventually('the topic is listed', async () => {
    const urls = asList((await mns.listTopic('', 1000, t)).body).map((x) => x.TopicURL);
    assert.equal(urls.length, 1);
    return urls;
  });
  assert.match(listed[0], new RegExp(`/topics/${t}$`));

  assert.equal((await deleteTopic(mns, t)).code, 204);
  await rejects(mns.getTopicAttributes(t), 404, 'TopicNotExist');
  await rejects(mns.publishMessage(t, { MessageBody: 'x' }), 404, 'TopicNotExist');
});

test('subscriptions: subscribe, identical, conflict, attributes, list, unsubscribe', async () => {
  const t = uniqueName('subs');
  await mns.createTopic(t);
  const sub = { Endpoint: `${endpoint}/subs`, NotifyContentFormat: 'JSON' };
  const created = await subscribe(mns, t, 's1', sub);
  assert.equal(created.code, 201);
  assert.match(created.headers.location, new RegExp(`/topics/${t}/subscriptions/s1$`));
  assert.equal((await subscribe(mns, t, 's1', sub)).code, 204);
  await rejects(subscribe(mns, t, 's1', { Endpoint: `${endpoint}/other` }), 409, 'SubscriptionAlreadyExist');
  await subscribe(mns, t, 's2', { Endpoint: `${endpoint}/subs2` });

  const got = (await getSubscription(mns, t, 's1')).body;
  assert.equal(got.SubscriptionName, 's1');
  assert.equal(got.TopicName, t);
  assert.equal(got.Endpoint, `${endpoint}/subs`);
  assert.equal(got.NotifyStrategy, 'BACKOFF_RETRY');
  assert.equal(got.NotifyContentFormat, 'JSON');
  assert.equal((await setSubscription(mns, t, 's1', { NotifyStrategy: 'EXPONENTIAL_DECAY_RETRY' })).code, 204);
  assert.equal((await getSubscription(mns, t, 's1')).body.NotifyStrategy, 'EXPONENTIAL_DECAY_RETRY');

  const listed = await listSubscriptions(mns, t);
  assert.deepEqual(asList(listed.Subscription).map((s) => s.SubscriptionURL.replace(/.*\/subscriptions\//, '')), ['s1', 's2']);
  const page = await listSubscriptions(mns, t, { 'x-mns-ret-number': 1 });
  assert.equal(page.NextMarker !== undefined, true);

  assert.equal((await unsubscribe(mns, t, 's2')).code, 204);
  await rejects(getSubscription(mns, t, 's2'), 404, 'SubscriptionNotExist');
  await rejects(subscribe(mns, t, 's3', { Endpoint: 'mail:directmail:someone@example.com' }), 400, 'EndpointInvalid');
  await deleteTopic(mns, t);
});

test('a published message reaches an HTTP subscriber in each format, and a queue', async () => {
  const t = uniqueName('pub');
  const q = uniqueName('fanout');
  await mns.createTopic(t);
  await mns.createQueue(q);
  await subscribe(mns, t, 'xml', { Endpoint: `${endpoint}/xml` });
  await subscribe(mns, t, 'json', { Endpoint: `${endpoint}/json`, NotifyContentFormat: 'JSON' });
  await subscribe(mns, t, 'simple', { Endpoint: `${endpoint}/simple`, NotifyContentFormat: 'SIMPLIFIED' });
  await subscribe(mns, t, 'tagged', { Endpoint: `${endpoint}/tagged`, FilterTag: 'other' });
  await subscribe(mns, t, 'queue', { Endpoint: `acs:mns:cn-hangzhou:1234567890:queues/${q}`, NotifyContentFormat: 'SIMPLIFIED' });
  failures.set('/json', 1); // retried after a 500

  const published = (await mns.publishMessage(t, { MessageBody: 'hello subscribers', MessageTag: 'news' })).body;
  assert.equal(published.MessageBodyMD5, crypto.createHash('md5').update('hello subscribers').digest('hex').toUpperCase());

  const [xml] = await eventually('the XML notification', async () => {
    const got = notificationsOf('/xml');
    assert.equal(got.length, 1);
    return got;
  });
  assert.match(xml.headers['content-type'], /^text\/xml/);
  assert.match(xml.body, /<Notification xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1\/?">/);
  assert.match(xml.body, new RegExp(`<TopicName>${t}</TopicName>`));
  assert.match(xml.body, /<SubscriptionName>xml<\/SubscriptionName>/);
  assert.match(xml.body, new RegExp(`<MessageId>${published.MessageId}</MessageId>`));
  assert.match(xml.body, /<Message>hello subscribers<\/Message>/);
  assert.match(xml.body, /<MessageTag>news<\/MessageTag>/);
  assert.match(xml.body, /<PublishTime>\d{13}<\/PublishTime>/);
  assert.ok(xml.headers['x-mns-request-id']);
  await verifySignature(xml);

  const [simple] = await eventually('the SIMPLIFIED notification', async () => {
    const got = notificationsOf('/simple');
    assert.equal(got.length, 1);
    return got;
  });
  assert.equal(simple.body, 'hello subscribers');
  assert.equal(simple.headers['x-mns-message-id'], published.MessageId);
  assert.equal(simple.headers['x-mns-message-tag'], 'news');
  await verifySignature(simple);

  // Retried after its 500: this waits for the retry schedule's first step.
  const [json] = await eventually('the JSON notification, after one retry', async () => {
    const got = notificationsOf('/json');
    assert.equal(got.length, 1);
    return got;
  }, 40000);
  const note = JSON.parse(json.body);
  assert.equal(note.TopicName, t);
  assert.equal(note.Message, 'hello subscribers');
  assert.equal(note.MessageId, published.MessageId);
  assert.equal(typeof note.PublishTime, 'string');

  const queued = (await mns.receiveMessage(q, 10)).body;
  assert.equal(queued.MessageBody, 'hello subscribers');
  await mns.deleteMessage(q, queued.ReceiptHandle);
  assert.equal(notificationsOf('/tagged').length, 0, 'a FilterTag that differs gets nothing');
  await deleteTopic(mns, t);
  await mns.deleteQueue(q);
});
