import { S3Client } from '@aws-sdk/client-s3';
import { EXAMPLE_ADDRESSES, inboundMail } from '../../functions/config/resources.js';
import { inbound } from '../../functions/config/stages/inbound.js';
import { LOCAL_REGION } from '../emulators.js';
import { lambdaContext } from '../lambda-context.js';
import { SANDBOX_INBOUND_BUCKET } from '../resources.js';
import { startSmtp } from '../smtp.js';
import { required, type SandboxService } from './service.js';

/** SES email receiving for the inbound domain: an SMTP server on 127.0.0.1 that stores each message and invokes the inbound stage (sandbox/smtp.ts). */
export const smtp: SandboxService = {
  name: 'smtp',
  after: ['stages'],
  async start(run) {
    const handlers = required(run.handlers, 'the handlers', 'smtp');
    const clients = required(run.clients, 'the sandbox clients', 'smtp');
    const resources = required(run.resources, 'the table and queues', 'smtp');
    const trigger = inbound.trigger;
    const s3 = new S3Client({ region: LOCAL_REGION, credentials: run.credentials, endpoint: required(run.endpoints.sqs, 'the S3 endpoint (fauxqs)', 'smtp') });
    const server = await startSmtp({
      port: run.ports.smtp,
      domain: EXAMPLE_ADDRESSES.inboundDomain,
      s3,
      bucket: SANDBOX_INBOUND_BUCKET,
      prefix: inboundMail.prefix,
      handler: handlers.inbound,
      functionName: 'closeloop-inbound',
      retryAttempts: trigger.retryAttempts,
      retryDelayMs: Math.round(1000 * Math.min(1, Math.max(run.options.delayScale ?? 1, 0))),
      sqs: clients.sqs,
      failureQueueUrl: required(resources.queues[trigger.failureQueue], `the queue ${trigger.failureQueue}`, 'smtp').url,
      context: () => lambdaContext('closeloop-inbound'),
      report: run.report,
    });
    run.endpoints.smtp = server.endpoint;
    return () => server.stop();
  },
};
