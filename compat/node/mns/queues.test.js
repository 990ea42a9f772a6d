'use strict';
// Every queue and message operation, through the official Node.js MNS SDK,
// as a producer or consumer written for Alibaba's MNS calls them.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { client, rejects, asList, sleep, eventually, uniqueName } = require('./mns');

const mns = client();

test('queue lifecycle: create, identical create, conflicting create, attributes, delete', async () => {
  const q = uniqueName('life');
  const created = await mns.createQueue(q, { VisibilityTimeout: 60, MaximumMessageSize: 2048 });
  assert.equal(created.code, 201);
  assert.match(created.headers.location, new RegExp(`/queues/${q}$`));

  const again = await mns.createQueue(q, { VisibilityTimeout: 60, MaximumMessageSize: 2048 });
  assert.equal(again.code, 204);
  await rejects(mns.createQueue(q, { VisibilityTimeout: 61 }), 409, 'QueueAlreadyExist');

  const attrs = (await mns.getQueueAttributes(q)).body;
  assert.equal(attrs.QueueName, q);
  assert.equal(attrs.VisibilityTimeout, '60');
  assert.equal(attrs.MaximumMessageSize, '2048');
  assert.equal(attrs.MessageRetentionPeriod, '345600');
  assert.equal(attrs.DelaySeconds, '0');
  assert.equal(attrs.PollingWaitSeconds, '0');
  for (const field of ['CreateTime', 'LastModifyTime', 'ActiveMessages', 'InactiveMessages', 'DelayMessages', 'LoggingEnabled']) {
    assert.ok(field in attrs, `GetQueueAttributes has ${field}`);
  }
  assert.match(attrs.CreateTime, /^\d{10}$/, 'resource times are epoch seconds');

  const set = await mns.setQueueAttributes(q, { PollingWaitSeconds: 5 });
  assert.equal(set.code, 204);
  const changed = (await mns.getQueueAttributes(q)).body;
  assert.equal(changed.PollingWaitSeconds, '5');
  assert.equal(changed.VisibilityTimeout, '60', 'attributes not sent stay as they were');

  await rejects(mns.setQueueAttributes(q, { VisibilityTimeout: 0 }), 400, 'InvalidArgument');
  const deleted = await mns.deleteQueue(q);
  assert.equal(deleted.code, 204);
  await rejects(mns.getQueueAttributes(q), 404, 'QueueNotExist');
  await rejects(mns.deleteQueue(q), 404, 'QueueNotExist');
  await rejects(mns.createQueue('bad_name!'), 400, 'InvalidQueueName');
});

test('ListQueue pages with a prefix and a marker', async () => {
  const prefix = uniqueName('list');
  for (const n of ['c', 'a', 'b']) {
    await mns.createQueue(`${prefix}-${n}`);
  }
  const listed = await eventually('all three listed', async () => {
    const all = await mns.listQueue('', 1000, prefix);
    const urls = asList(all.body).map((q) => q.QueueURL);
    assert.equal(urls.length, 3);
    return urls;
  });
  assert.deepEqual(listed.map((u) => u.replace(/.*\/queues\//, '')), [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);

  // The SDK's listQueue drops NextMarker; its request method keeps it.
  const first = (await mns.get('/queues', 'Queues', { headers: { 'x-mns-prefix': prefix, 'x-mns-ret-number': 2 } })).body;
  assert.equal(asList(first.Queue).length, 2);
  assert.ok(first.NextMarker, 'a first page of two out of three has a NextMarker');
  const second = (await mns.get('/queues', 'Queues', {
    headers: { 'x-mns-prefix': prefix, 'x-mns-ret-number': 2, 'x-mns-marker': first.NextMarker },
  })).body;
  assert.deepEqual(asList(second.Queue).map((q) => q.QueueURL.replace(/.*\/queues\//, '')), [`${prefix}-c`]);
  assert.equal(second.NextMarker, undefined, 'the last page has no NextMarker');

  const meta = (await mns.get('/queues', 'Queues', { headers: { 'x-mns-prefix': prefix, 'x-mns-with-meta': 'true' } })).body;
  assert.equal(asList(meta.Queue)[0].VisibilityTimeout, '30');
});

test('send, long-poll receive, delete; an empty queue answers MessageNotExist', async () => {
  const q = uniqueName('msgs');
  await mns.createQueue(q);
  await rejects(mns.receiveMessage(q), 404, 'MessageNotExist');

  // The receive waits; the message sent meanwhile ends the wait at once.
  const started = Date.now();
  const receiving = mns.receiveMessage(q, 10);
  await sleep(300);
  const sent = (await mns.sendMessage(q, { MessageBody: 'I am 测试字符串.', Priority: 3 })).body;
  assert.equal(sent.MessageBodyMD5, '9D75198CAA17528AB23790C1861987AF');
  assert.match(sent.MessageId, /^[0-9A-F]{32}$/);
  const got = (await receiving).body;
  assert.ok(Date.now() - started < 5000, 'the long poll returned when the message came');
  assert.equal(got.MessageId, sent.MessageId);
  assert.equal(got.MessageBody, 'I am 测试字符串.');
  assert.equal(got.MessageBodyMD5, sent.MessageBodyMD5);
  assert.equal(got.DequeueCount, '1');
  assert.equal(got.Priority, '3');
  assert.match(got.ReceiptHandle, /^[A-Za-z0-9._-]+$/, 'handles need no escaping in a query');
  for (const field of ['EnqueueTime', 'NextVisibleTime', 'FirstDequeueTime']) {
    assert.match(got[field], /^\d{13}$/, `${field} is epoch milliseconds`);
  }

  const deleted = await mns.deleteMessage(q, got.ReceiptHandle);
  assert.equal(deleted.code, 204);
  await rejects(mns.deleteMessage(q, got.ReceiptHandle), 404, 'MessageNotExist');
  await rejects(mns.deleteMessage(q, 'not-a-handle'), 400, 'ReceiptHandleError');
  await rejects(mns.receiveMessage(q), 404, 'MessageNotExist');
  await rejects(mns.sendMessage(uniqueName('nosuch'), { MessageBody: 'x' }), 404, 'QueueNotExist');
});

test('a message neither deleted nor changed comes back after its visibility timeout', async () => {
  const q = uniqueName('vis');
  await mns.createQueue(q, { VisibilityTimeout: 1 });
  await mns.sendMessage(q, { MessageBody: 'again' });
  const first = (await mns.receiveMessage(q, 5)).body;
  assert.equal(first.DequeueCount, '1');
  await rejects(mns.receiveMessage(q), 404, 'MessageNotExist');

  const second = (await mns.receiveMessage(q, 10)).body;
  assert.equal(second.MessageId, first.MessageId);
  assert.equal(second.DequeueCount, '2');
  assert.notEqual(second.ReceiptHandle, first.ReceiptHandle, 'each receive issues a new handle');
  await rejects(mns.deleteMessage(q, first.ReceiptHandle), 404, 'MessageNotExist');
  assert.equal((await mns.deleteMessage(q, second.ReceiptHandle)).code, 204);
});

test('ChangeMessageVisibility returns a new handle that deletes the message', async () => {
  const q = uniqueName('change');
  await mns.createQueue(q, { VisibilityTimeout: 30 });
  await mns.sendMessage(q, { MessageBody: 'hold me' });
  const got = (await mns.receiveMessage(q, 5)).body;

  const changed = (await mns.changeMessageVisibility(q, got.ReceiptHandle, 60)).body;
  assert.notEqual(changed.ReceiptHandle, got.ReceiptHandle);
  assert.ok(Number(changed.NextVisibleTime) >= Date.now() + 55000);
  await rejects(mns.deleteMessage(q, got.ReceiptHandle), 404, 'MessageNotExist');
  const again = (await mns.changeMessageVisibility(q, changed.ReceiptHandle, 1)).body;
  await rejects(mns.changeMessageVisibility(q, changed.ReceiptHandle, 5), 404, 'MessageNotExist');

  // Visible again after a second: received a second time, then deleted.
  const back = (await mns.receiveMessage(q, 10)).body;
  assert.equal(back.MessageId, got.MessageId);
  assert.equal(back.DequeueCount, '2');
  await rejects(mns.deleteMessage(q, again.ReceiptHandle), 404, 'MessageNotExist');
  assert.equal((await mns.deleteMessage(q, back.ReceiptHandle)).code, 204);
  await rejects(mns.changeMessageVisibility(q, back.ReceiptHandle, 0), 400, 'InvalidArgument');
});

test('batch send, peek, receive and delete', async () => {
  const q = uniqueName('batch');
  await mns.createQueue(q);
  const sent = asList((await mns.batchSendMessage(q, [
    { MessageBody: 'one', Priority: 8 },
    { MessageBody: 'two', Priority: 1 },
    { MessageBody: 'three', Priority: 16 },
  ])).body);
  assert.equal(sent.length, 3);
  for (const m of sent) {
    assert.match(m.MessageId, /^[0-9A-F]{32}$/);
  }

  // At once, as on MNS: the gateway that took the batch remembers it until
  // Temporal's visibility, which a peek reads, has recorded it.
  const peeked = (await mns.peekMessage(q)).body;
  assert.equal(peeked.ReceiptHandle, undefined, 'a peek holds no handle');
  assert.equal(peeked.MessageBody, 'two', 'a peek shows the highest priority first');
  const peekedAll = asList((await mns.batchPeekMessage(q, 16)).body);
  assert.deepEqual(peekedAll.map((m) => m.MessageBody), ['two', 'one', 'three'], 'peek shows priority order');

  const received = [];
  while (received.length < 3) {
    received.push(...asList((await mns.batchReceiveMessage(q, 16, 5)).body));
  }
  assert.deepEqual(received.map((m) => m.MessageBody).sort(), ['one', 'three', 'two']);

  const deleted = await mns.batchDeleteMessage(q, received.map((m) => m.ReceiptHandle));
  assert.equal(deleted.code, 204);
  // A batch that fails answers an <Errors> list, which the SDK returns
  // rather than throws: one entry per failed handle.
  const again = await mns.batchDeleteMessage(q, received.map((m) => m.ReceiptHandle));
  assert.equal(again.code, 404);
  const errors = asList(again.body);
  assert.deepEqual(errors.map((e) => e.ErrorCode), ['MessageNotExist', 'MessageNotExist', 'MessageNotExist']);
  assert.deepEqual(errors.map((e) => e.ReceiptHandle).sort(), received.map((m) => m.ReceiptHandle).sort());
  await rejects(mns.batchPeekMessage(q, 16), 404, 'MessageNotExist');
});

test('priority decides the order of delivery', async () => {
  const q = uniqueName('prio');
  await mns.createQueue(q);
  await mns.sendMessage(q, { MessageBody: 'normal', Priority: 8 });
  await mns.sendMessage(q, { MessageBody: 'urgent', Priority: 1 });
  await mns.sendMessage(q, { MessageBody: 'whenever', Priority: 16 });
  await sleep(500); // all three stored before anyone polls
  const order = [];
  for (let i = 0; i < 3; i++) {
    const m = (await mns.receiveMessage(q, 5)).body;
    order.push(m.MessageBody);
    await mns.deleteMessage(q, m.ReceiptHandle);
  }
  assert.deepEqual(order, ['urgent', 'normal', 'whenever']);
});

test('a delayed message is not received before its delay', async () => {
  const q = uniqueName('delay');
  await mns.createQueue(q);
  const sentAt = Date.now();
  await mns.sendMessage(q, { MessageBody: 'later', DelaySeconds: 2 });
  await rejects(mns.receiveMessage(q), 404, 'MessageNotExist');
  const attrs = (await mns.getQueueAttributes(q)).body;
  assert.equal(attrs.DelayMessages, '1');
  const got = (await mns.receiveMessage(q, 10)).body;
  assert.equal(got.MessageBody, 'later');
  assert.ok(Date.now() - sentAt >= 1900, 'received after the delay');
  await mns.deleteMessage(q, got.ReceiptHandle);
});

test('a request signed with a wrong secret is refused', async () => {
  await rejects(client('wrong-secret').getQueueAttributes('anything'), 403, 'SignatureDoesNotMatch');
});
