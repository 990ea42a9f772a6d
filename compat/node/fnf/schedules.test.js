'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { client, rejects, wireTime, eventually, passFlow, flowName } = require('./fnf');

const c = client();
const scheduled = flowName('scheduled');

before(async () => {
  await c.createFlow({ Name: scheduled, Definition: passFlow, Description: '', Type: 'FDL' });
});

test('schedules: create, describe, update, list in pages, delete', async () => {
  const cron = 'CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI';
  const created = await c.createSchedule({
    FlowName: scheduled, ScheduleName: 'mornings', CronExpression: cron,
    Description: 'made by Node', Payload: '{"a":"b"}', Enable: true,
  });
  assert.equal(created.ScheduleName, 'mornings');
  assert.equal(created.CronExpression, cron);
  assert.equal(created.Description, 'made by Node');
  assert.equal(created.Payload, '{"a":"b"}');
  assert.equal(created.Enable, true);
  assert.match(created.ScheduleId, /^[0-9a-f-]{36}$/);
  assert.match(created.CreatedTime, wireTime);
  assert.equal(created.LastModifiedTime, created.CreatedTime);
  assert.ok(created.RequestId);
  await rejects(c.createSchedule({ FlowName: scheduled, ScheduleName: 'mornings', CronExpression: '@daily' }), 409, 'ScheduleAlreadyExists');

  const described = await c.describeSchedule({ FlowName: scheduled, ScheduleName: 'mornings' });
  for (const field of ['ScheduleName', 'ScheduleId', 'Description', 'Payload', 'CronExpression', 'Enable', 'CreatedTime', 'LastModifiedTime']) {
    assert.deepEqual(described[field], created[field], field);
  }

  const updated = await c.updateSchedule({ FlowName: scheduled, ScheduleName: 'mornings', Enable: false, Payload: '{"a":"c"}' });
  assert.equal(updated.Enable, false);
  assert.equal(updated.Payload, '{"a":"c"}');
  assert.equal(updated.Description, 'made by Node');
  assert.equal(updated.CronExpression, cron);
  assert.equal(updated.ScheduleId, created.ScheduleId);
  assert.ok(updated.LastModifiedTime > created.LastModifiedTime);

  await c.createSchedule({ FlowName: scheduled, ScheduleName: 'every_five', CronExpression: '@every 5m' });
  // One schedule a page, so that both can only be seen by following NextToken.
  await eventually(async () => {
    const seen = new Map();
    let NextToken = '';
    do {
      const page = await c.listSchedules(NextToken ? { FlowName: scheduled, Limit: 1, NextToken } : { FlowName: scheduled, Limit: 1 });
      assert.ok(page.Schedules.length <= 1);
      for (const schedule of page.Schedules) {
        seen.set(schedule.ScheduleName, schedule);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    assert.deepEqual([...seen.keys()].sort(), ['every_five', 'mornings']);
    assert.equal(seen.get('every_five').Enable, true);
    assert.equal(seen.get('mornings').Enable, false);
  });

  const deleted = await c.deleteSchedule({ FlowName: scheduled, ScheduleName: 'mornings' });
  assert.ok(deleted.RequestId);
  await rejects(c.describeSchedule({ FlowName: scheduled, ScheduleName: 'mornings' }), 404, 'ScheduleNotExists');
  await rejects(c.deleteSchedule({ FlowName: scheduled, ScheduleName: 'mornings' }), 404, 'ScheduleNotExists');
  await rejects(c.updateSchedule({ FlowName: scheduled, ScheduleName: 'mornings', Description: 'x' }), 404, 'ScheduleNotExists');
});

test('schedules: what is refused', async () => {
  await rejects(c.createSchedule({ FlowName: 'no_such_flow', ScheduleName: 's', CronExpression: '@daily' }), 404, 'FlowNotExists');
  await rejects(c.listSchedules({ FlowName: 'no_such_flow' }), 404, 'FlowNotExists');
  await rejects(c.describeSchedule({ FlowName: 'no_such_flow', ScheduleName: 's' }), 404, 'FlowNotExists');
  await rejects(c.createSchedule({ FlowName: scheduled, ScheduleName: 's', CronExpression: '0 8 * * *' }), 400, 'InvalidArgument');
  await rejects(c.createSchedule({ FlowName: scheduled, ScheduleName: 's', CronExpression: '@every 30s' }), 400, 'InvalidArgument');
  await rejects(c.createSchedule({ FlowName: scheduled, ScheduleName: 's', CronExpression: '@daily', Payload: '[1]' }), 400, 'InvalidArgument');
  await rejects(c.updateSchedule({ FlowName: scheduled, ScheduleName: 'every_five', CronExpression: '0 0 0 L * *' }), 400, 'InvalidArgument');
  await rejects(c.describeSchedule({ FlowName: scheduled, ScheduleName: '9lives' }), 400, 'InvalidArgument');
  await rejects(c.listSchedules({ FlowName: scheduled, Limit: 1001 }), 400, 'InvalidArgument');
});
