'use strict';
// A Serverless Workflow function written as a Temporal activity with
// Temporal's TypeScript SDK, in plain JavaScript (no build step). fnflow
// schedules the activity countWords on the task queue node-functions when a
// waitForCallback step calls the function bound to it
// (samples/functions/bindings.yaml); its argument is the step's input, with
// the step's task token where the flow mapped $context.task.token. It does
// the job, reports the token through fnflow's gateway with Alibaba's fnf
// SDK, and returns: the report, not the activity's result, ends the step.
//
//   node worker.js
//
// Environment (defaults are fnflow dev's):
//   FNFLOW_TEMPORAL     Temporal frontend (127.0.0.1:7233)
//   FNFLOW_NAMESPACE    Temporal namespace (default)
//   FNFLOW_TASK_QUEUE   task queue to poll (node-functions)
//   FNFLOW_ENDPOINT     fnflow gateway (http://127.0.0.1:8080)
//   FNFLOW_ACCESS_KEY_ID, FNFLOW_ACCESS_KEY_SECRET   signing keys for a
//                       gateway run with --access-keys
const { NativeConnection, Worker } = require('@temporalio/worker');
const { ApplicationFailure, log } = require('@temporalio/activity');
const FnF = require('@alicloud/fnf-2019-03-15');

const temporal = process.env.FNFLOW_TEMPORAL || '127.0.0.1:7233';
const namespace = process.env.FNFLOW_NAMESPACE || 'default';
const taskQueue = process.env.FNFLOW_TASK_QUEUE || 'node-functions';
const endpoint = process.env.FNFLOW_ENDPOINT || 'http://127.0.0.1:8080';

const fnf = new FnF({
  endpoint,
  // fnflow dev without --access-keys checks no signatures; any key does.
  accessKeyId: process.env.FNFLOW_ACCESS_KEY_ID || 'dev',
  accessKeySecret: process.env.FNFLOW_ACCESS_KEY_SECRET || 'dev',
});

// count is the job: the words of a text and its longest word.
function count(text) {
  const words = text.split(/\s+/).filter(Boolean);
  const longest = words.reduce((a, b) => (b.length > a.length ? b : a), '');
  return { words: words.length, longest };
}

async function countWords({ taskToken, text }) {
  if (typeof text !== 'string' || text.trim() === '') {
    // The step fails with this error type: its catch matches it by name.
    throw ApplicationFailure.nonRetryable('there are no words to count', 'Text.Empty');
  }
  const output = count(text);
  // A report that fails fails the activity, and the step with the error's
  // name (the SDK's, such as TaskAlreadyCompletedError).
  await fnf.reportTaskSucceeded({ TaskToken: taskToken, Output: JSON.stringify(output) });
  log.info('reported the task succeeded', { output, token: `…${taskToken.slice(-8)}` });
}

async function main() {
  const connection = await NativeConnection.connect({ address: temporal });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    activities: { countWords },
    // On SIGINT or SIGTERM, running jobs get this long to finish: one cut
    // short fails its step, as the activity is tried once.
    shutdownGraceTime: '10s',
  });
  console.log(`running activity countWords on task queue ${taskQueue} of ${temporal} (namespace ${namespace}); reporting to ${endpoint}`);
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
