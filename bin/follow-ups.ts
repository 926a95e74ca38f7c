/**
 * `npm run follow-ups`: shows the messages waiting on the sandbox's follow-up queues, without
 * consuming them (they are received with a zero visibility timeout and stay on the queue).
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readFile } from 'node:fs/promises';
import type { SandboxInfo } from '../lib/sandbox/sandbox.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let info: SandboxInfo;
try {
  info = JSON.parse(await readFile('.sandbox/sandbox.json', 'utf8')) as SandboxInfo;
} catch {
  console.error('No running sandbox found (.sandbox/sandbox.json is missing). Start it first with `npm start`.');
  process.exit(1);
}

const sqs = new SQSClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.sqs });
try {
  for (const [name, url] of Object.entries(info.followUpQueues)) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    console.log(`${name}: ${Messages.length ? '' : 'empty'}`);
    for (const message of Messages) console.log(JSON.stringify(JSON.parse(message.Body ?? '{}'), null, 2));
  }
} catch (error) {
  console.error(`The sandbox SQS at ${info.endpoints.sqs} did not answer (${error instanceof Error ? error.message : String(error)}). Is \`npm start\` running?`);
  process.exit(1);
}
