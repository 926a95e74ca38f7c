/**
 * `npm run follow-ups`: shows the messages waiting on the sandbox's follow-up queues, without
 * consuming them (they are received with a zero visibility timeout and stay on the queue).
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readSandboxFileOrExit } from '../lib/sandbox/sandbox-file.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const info = await readSandboxFileOrExit();

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
