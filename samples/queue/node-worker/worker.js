'use strict';
// A queue worker as written for Alibaba Cloud, with the official SDKs and
// nothing else: it receives a job with its task token from the MNS queue,
// does the work, reports the task succeeded to Serverless Workflow and
// deletes the message. Pointed at fnflow by its endpoint alone.
//
//   FNFLOW_ENDPOINT=http://127.0.0.1:8080 node worker.js [--once]
const MNS = require('@alicloud/mns');
const FnF = require('@alicloud/fnf-2019-03-15');

const endpoint = process.env.FNFLOW_ENDPOINT || 'http://127.0.0.1:8080';
const credentials = {
  endpoint,
  // fnflow dev without --access-keys checks no signatures; any key does.
  accessKeyId: process.env.FNFLOW_ACCESS_KEY_ID || 'dev',
  accessKeySecret: process.env.FNFLOW_ACCESS_KEY_SECRET || 'dev',
};
const queue = process.env.FNFLOW_QUEUE || 'jobs';
const once = process.argv.includes('--once');

const mns = new MNS(process.env.FNFLOW_ACCOUNT_ID || '1234567890', credentials);
const fnf = new FnF(credentials);

// work is the job itself: here, shouting it.
function work(job) {
  return { result: String(job).toUpperCase() };
}

async function handle(message) {
  const { job, taskToken } = JSON.parse(message.MessageBody);
  try {
    await fnf.reportTaskSucceeded({ TaskToken: taskToken, Output: JSON.stringify(work(job)) });
    console.log(`job ${JSON.stringify(job)} done (message ${message.MessageId}, dequeued ${message.DequeueCount} times)`);
  } catch (err) {
    if (err.code !== 'TaskAlreadyCompleted') {
      throw err; // not deleted: the message comes back after its visibility timeout
    }
    console.log(`job of message ${message.MessageId} was already reported`);
  }
  await mns.deleteMessage(queue, message.ReceiptHandle);
}

async function main() {
  console.log(`receiving from queue ${queue} at ${endpoint}`);
  for (;;) {
    let message;
    try {
      message = (await mns.receiveMessage(queue, 30)).body;
    } catch (err) {
      if (err.name === 'MNSMessageNotExistError') {
        continue; // the long poll ended with no message
      }
      throw err;
    }
    await handle(message);
    if (once) {
      return;
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
