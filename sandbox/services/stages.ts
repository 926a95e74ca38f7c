import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENV } from '../../functions/config/env.js';
import {
  announceQueue,
  bufferQueue,
  deliverabilityFailureQueue,
  deliverFailureQueue,
  dispatchFailureQueue,
  EXAMPLE_ADDRESSES,
  escalateFailureQueue,
  followUpQueueNames,
  inboxCursorSecret,
  integrationQueueName,
  measureFailureQueue,
  pageSigningSecret,
  replyTokenSecret,
  rulesFailureQueue,
} from '../../functions/config/resources.js';
import { type WiredEnvKey, wiredVariables } from '../../functions/config/wiring.js';
import { LOCAL_REGION } from '../emulators.js';
import { handlerClients } from '../faults.js';
import { SANDBOX_BUS_NAME, SANDBOX_INBOUND_BUCKET, type SandboxQueue } from '../resources.js';
import { loadHandlers, startTriggers } from '../stages.js';
import { required, type SandboxRun, type SandboxService } from './service.js';

/** The same variables the stack gives each stage (functions/config/stages/), all at once: every stage runs in this process. */
function sandboxVariables(run: SandboxRun, queue: (name: string) => SandboxQueue): Record<WiredEnvKey, string> {
  const { catalog, options } = run;
  const publicBaseUrl = `http://127.0.0.1:${run.ports.http}`;
  return {
    SURVEY_TABLE: required(run.resources, 'the table', 'stages').tableName,
    SENDER_EMAIL: EXAMPLE_ADDRESSES.senderEmail,
    SUPPORT_EMAIL: EXAMPLE_ADDRESSES.supportEmail,
    PUBLIC_BASE_URL: publicBaseUrl,
    CONFIGURATION_SET: 'closeloop-sandbox',
    // Every dispatch poller runs in this one process and shares its pacer: the whole rate (0: unpaced).
    SES_SEND_RATE: String(options.sesMaxSendRate ?? 0),
    DISPATCH_FAILURE_QUEUE_URL: queue(dispatchFailureQueue.name).url,
    FOLLOW_UP_QUEUE_URLS: JSON.stringify(Object.fromEntries(followUpQueueNames(catalog).map((name) => [name, queue(name).url]))),
    EVENT_BUS_NAME: SANDBOX_BUS_NAME,
    SCHEDULE_GROUP: 'closeloop-sandbox',
    SCHEDULE_TARGET_ARN: queue(bufferQueue.name).arn,
    SCHEDULE_ROLE_ARN: 'arn:aws:iam::000000000000:role/closeloop-sandbox-scheduler',
    SCHEDULE_DEAD_LETTER_ARN: queue(dispatchFailureQueue.name).arn,
    CASE_API_URL: publicBaseUrl,
    RULES_FAILURE_QUEUE_URL: queue(rulesFailureQueue.name).url,
    MEASURE_FAILURE_QUEUE_URL: queue(measureFailureQueue.name).url,
    ESCALATE_FAILURE_QUEUE_URL: queue(escalateFailureQueue.name).url,
    DELIVERABILITY_FAILURE_QUEUE_URL: queue(deliverabilityFailureQueue.name).url,
    SLA_TIME_SCALE: String(Math.min(1, Math.max(options.delayScale ?? 1, 1e-9))),
    PAGE_SIGNING_SECRET: pageSigningSecret.name,
    INBOX_CURSOR_SECRET: inboxCursorSecret.name,
    WORKSPACE_GROUPS_CLAIM: 'cognito:groups',
    WORKSPACE_ISSUER: required(run.oidc, 'the OpenID provider', 'stages').issuer,
    WORKSPACE_CLIENT_ID: required(run.oidc, 'the OpenID provider', 'stages').clientId,
    WORKSPACE_LOGIN_ORIGIN: required(run.oidc, 'the OpenID provider', 'stages').issuer,
    INTEGRATION_QUEUE_URLS: JSON.stringify(Object.fromEntries((catalog.integrations ?? []).map(({ id }) => [id, queue(integrationQueueName(id)).url]))),
    DELIVER_FAILURE_QUEUE_URL: queue(deliverFailureQueue.name).url,
    RETRY_DELAY_SCALE: String(Math.min(1, Math.max(options.delayScale ?? 1, 0))),
    ANNOUNCE_QUEUE_URL: queue(announceQueue.name).url,
    INBOUND_DOMAIN: EXAMPLE_ADDRESSES.inboundDomain,
    WORKSPACE_URL: `${publicBaseUrl}/inbox`,
    INBOUND_BUCKET: SANDBOX_INBOUND_BUCKET,
    REPLY_TOKEN_SECRET: replyTokenSecret.name,
  };
}

/**
 * Lambda, locally: the environment every stage reads (the AWS SDK's standard endpoint settings, so
 * functions/ has no "if local"), every stage's handler imported as at a cold start, and each stage's
 * trigger as its manifest declares it (sandbox/stages.ts).
 */
export const stages: SandboxService = {
  name: 'stages',
  after: ['resources', 'secrets', 'ses', 'oidc'],
  async start(run) {
    const resources = required(run.resources, 'the table and queues', 'stages');
    const queue = (name: string) => required(resources.queues[name], `the queue ${name}`, 'stages');
    // The handlers read the catalog from a file, as in Lambda (where the construct places it in each asset).
    await mkdir(run.stateDir, { recursive: true });
    const catalogFile = path.join(run.stateDir, 'catalog.json');
    await writeFile(catalogFile, JSON.stringify(run.catalog));
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: run.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: run.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: run.endpoints.dynamodb,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: run.endpoints.dynamodbStreams,
      AWS_ENDPOINT_URL_SESV2: run.endpoints.sesv2,
      AWS_ENDPOINT_URL_SQS: run.endpoints.sqs,
      // The bus and the scheduler start after the handlers are loaded; their ports are known.
      AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${run.ports.events}`,
      AWS_ENDPOINT_URL_SCHEDULER: `http://127.0.0.1:${run.ports.scheduler}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: run.endpoints.secretsmanager,
      // fauxqs serves S3 too (the inbound bucket); at an IP address the SDK addresses buckets by path.
      AWS_ENDPOINT_URL_S3: run.endpoints.sqs,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: run.options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Every stage runs in this one process: one service name for all of their log records.
      POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'closeloop',
      ...wiredVariables(sandboxVariables(run, queue)),
      [ENV.RUNTIME_CATALOG]: catalogFile,
    });
    delete process.env.AWS_PROFILE;
    // Imported only now: like a Lambda cold start, each handler reads its environment once.
    const handlers = await loadHandlers();
    run.handlers = handlers;
    if (run.options.faults) {
      for (const [label, client] of Object.entries(await handlerClients())) run.options.faults.attach(client, label);
    }
    const clients = required(run.clients, 'the sandbox clients', 'stages');
    const pollers = startTriggers(handlers, {
      catalog: run.catalog,
      sqs: clients.sqs,
      streams: clients.streams,
      streamArn: resources.streamArn,
      queue,
      retryDelaySeconds: run.options.retryDelaySeconds ?? 2,
      ...(run.options.sesMaxSendRate ? { sesMaxSendRate: run.options.sesMaxSendRate } : {}),
      // EventBridge's rate(1 minute) schedule of the escalation sweep; more often here, as SLAs may be compressed.
      scheduleIntervalMs: run.options.sweepIntervalMs ?? 1000,
      report: run.report,
    });
    return async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
    };
  },
};
