import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAggregateStore } from '../functions/adapters/dynamo-aggregate-store.js';
import { ENV } from '../functions/config/env.js';
import {
  announceQueue,
  bufferQueue,
  deadLetterQueue,
  EXAMPLE_ADDRESSES,
  escalateFailureQueue,
  feedbackDeadLetterQueue,
  feedbackQueue,
  followUpQueueNames,
  integrationDeadLetterQueue,
  integrationQueueName,
  measureFailureQueue,
  pageSigningSecret,
  rulesFailureQueue,
} from '../functions/config/resources.js';
import { type WiredEnvKey, wiredVariables } from '../functions/config/wiring.js';
import { INTEGRATION_SOURCE } from '../functions/domain/integration-events.js';
import type { Catalog } from '../functions/domain/program.js';
import { assertPortFree, freePort, LOCAL_REGION, type RunningEmulator, startDynamoDb, startSes, startSqs } from './emulators.js';
import { type BusEvent, type RunningEventBus, startEventBus } from './event-bus.js';
import { type FaultInjector, handlerClients } from './faults.js';
import { type HttpRoute, type RunningHttpApi, startHttpApi } from './http-api.js';
import { reportPage } from './report-page.js';
import { createResources, SANDBOX_INTEGRATION_EVENTS_QUEUE } from './resources.js';
import { startScheduler } from './scheduler.js';
import { secretValues, secretVariable, startSecrets } from './secrets.js';
import { type SesFront, startSesFront } from './ses-front.js';
import { loadHandlers, stageRoutes, startTriggers } from './stages.js';

/** Ports the sandbox listens on (127.0.0.1). 0 picks a free one (what the tests do). */
export interface SandboxPorts {
  dynamodb: number;
  ses: number;
  sqs: number;
  events: number;
  scheduler: number;
  http: number;
}

export const DEFAULT_PORTS: SandboxPorts = { dynamodb: 8000, ses: 8005, sqs: 4566, events: 4010, scheduler: 4011, http: 3000 };

/** The environment variable that overrides each default port. */
export const PORT_VARIABLES: Record<keyof SandboxPorts, string> = {
  dynamodb: 'CLOSELOOP_DYNAMODB_PORT',
  ses: 'CLOSELOOP_SES_PORT',
  sqs: 'CLOSELOOP_SQS_PORT',
  events: 'CLOSELOOP_EVENTS_PORT',
  scheduler: 'CLOSELOOP_SCHEDULER_PORT',
  http: 'CLOSELOOP_HTTP_PORT',
};

export const DELAY_SCALE_VARIABLE = 'CLOSELOOP_DELAY_SCALE';

export interface SandboxOptions {
  /** The validated catalog (e.g. `loadCatalogFile('closeloop.yaml')`): the tables, queues, bus rules and handlers all use it. */
  readonly catalog: Catalog;
  readonly ports?: Partial<SandboxPorts>;
  /** Where sandbox.json is written. @default '.sandbox' */
  readonly stateDir?: string;
  /** How long a failed queue message waits before its retry. @default 2 */
  readonly retryDelaySeconds?: number;
  /** Compresses survey delays and quiet hours: 0.001 turns two days into about three minutes. @default 1 */
  readonly delayScale?: number;
  /**
   * Emulates SES's maximum send rate (emails per second): excess SendEmail calls are throttled as
   * SES throttles them, and the buffer is drained by as many pollers as the stack's concurrency cap.
   * @default no limit, one poller
   */
  readonly sesMaxSendRate?: number;
  /** How often the escalation sweep runs. @default 1000 ms */
  readonly sweepIntervalMs?: number;
  /**
   * Fault injection: the injector's middleware is added to every SDK client the handlers use
   * (labelled as in `handlerClients`), never to the sandbox's own pollers, bus or scheduler. The
   * clients are module singletons, so this affects every handler in this process; a test that
   * injects faults starts its own sandbox in its own worker. Read `faults.counts` afterwards.
   * @default no faults
   */
  readonly faults?: FaultInjector;
  /** Powertools log level of the handlers. @default 'INFO' */
  readonly logLevel?: string;
  readonly log?: (message: string) => void;
}

/** What `.sandbox/sandbox.json` holds: everything a client needs to talk to the running sandbox. */
export interface SandboxInfo {
  /** Random at each start; `GET /__closeloop/instance` on the HTTP API answers it, so a client can tell this sandbox is the one running. */
  instanceId: string;
  region: string;
  /** Made at each start: the HTTP API's IAM routes verify SigV4 signatures against this pair. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  endpoints: {
    dynamodb: string;
    dynamodbStreams: string;
    sesv2: string;
    sqs: string;
    eventbridge: string;
    scheduler: string;
    secretsmanager: string;
    publicApi: string;
  };
  busName: string;
  tables: { surveys: string };
  queues: Record<string, { name: string; url: string; arn: string }>;
  followUpQueues: Record<string, string>;
  inboxUrl: string;
  sesStoreUrl: string;
  reportUrl: string;
  publicBaseUrl: string;
  senderEmail: string;
  supportEmail: string;
}

export interface RunningSandbox {
  readonly info: SandboxInfo;
  /** SES as the handlers see it: sends let through and throttled (with `sesMaxSendRate`), simulated bounces and complaints. */
  readonly ses: SesFront;
  readonly infoFile: string;
  stop(): Promise<void>;
}

export const SANDBOX_BUS_NAME = 'closeloop-sandbox';

/**
 * The key pair of one sandbox run, shaped like AWS's (AKIA + 16, 40 characters): the HTTP API's
 * IAM routes accept signatures by it and nothing else. Everyone who may use the sandbox reads it
 * from sandbox.json; a web page cannot.
 */
export function sandboxCredentials(): { accessKeyId: string; secretAccessKey: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(16)].map((byte) => alphabet[byte % 32]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxPorts {
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(PORT_VARIABLES) as (keyof SandboxPorts)[]) {
    const raw = env[PORT_VARIABLES[key]];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${PORT_VARIABLES[key]}="${raw}" is not a port number`);
    ports[key] = port;
  }
  return ports;
}

export function delayScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[DELAY_SCALE_VARIABLE];
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 0 || scale > 1) throw new Error(`${DELAY_SCALE_VARIABLE}="${raw}" is not a number from 0 to 1`);
  return scale;
}

/**
 * Starts DynamoDB Local, SES local and SQS (fauxqs), creates the stack's table and queues on them,
 * and runs the same handlers as Lambda behind a PutEvents endpoint, an HTTP API and two pollers.
 * Handlers find the emulators through the standard AWS SDK settings (AWS_ENDPOINT_URL_*).
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const log = options.log ?? ((message: string) => console.log(message));
  const catalog = withAvailableIntegrations(options.catalog, process.env, (message) => log(`[sandbox] ${message}`));
  const requested: SandboxPorts = { ...DEFAULT_PORTS, ...options.ports };
  const ports = { ...requested };
  for (const key of Object.keys(ports) as (keyof SandboxPorts)[]) {
    if (ports[key] === 0) ports[key] = await freePort();
    else await assertPortFree(ports[key], key, PORT_VARIABLES[key]);
  }

  const instanceId = randomUUID();
  const credentials = sandboxCredentials();
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const started = await Promise.allSettled([startDynamoDb(ports.dynamodb), startSes(ports.ses), startSqs(ports.sqs)]);
    for (const result of started) if (result.status === 'fulfilled') stoppers.push(() => result.value.stop());
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const [dynamodb, ses, sqs] = started.map((r) => (r as PromiseFulfilledResult<RunningEmulator>).value) as [
      RunningEmulator,
      RunningEmulator,
      RunningEmulator,
    ];

    // Filled in once the queues exist: SES publishes bounces and complaints to the default bus, whose rule targets the feedback queue.
    let deliverFeedback: (event: BusEvent) => Promise<void> = async () => undefined;
    const sesFront = await startSesFront(ses.endpoint, {
      ...(options.sesMaxSendRate ? { maxSendRate: options.sesMaxSendRate } : {}),
      onFeedback: (event) => deliverFeedback(event),
      report: (message) => log(`[sandbox] ${message}`),
    });
    stoppers.push(() => sesFront.stop());
    const publicBaseUrl = `http://127.0.0.1:${ports.http}`;
    const eventsEndpoint = `http://127.0.0.1:${ports.events}`;
    const schedulerEndpoint = `http://127.0.0.1:${ports.scheduler}`;
    // The handlers' SDK clients read these standard settings; no "if local" anywhere in functions/.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SESV2: sesFront.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventsEndpoint,
      AWS_ENDPOINT_URL_SCHEDULER: schedulerEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Every stage runs in this one process: one service name for all of their log records.
      POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'closeloop',
    });
    delete process.env.AWS_PROFILE;

    const clientConfig = { region: LOCAL_REGION, credentials };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamodb.endpoint });
    const sqsClient = new SQSClient({ ...clientConfig, endpoint: sqs.endpoint });
    const streamsClient = new DynamoDBStreamsClient({ ...clientConfig, endpoint: dynamodb.endpoint });
    stoppers.push(async () => {
      dynamoClient.destroy();
      sqsClient.destroy();
      streamsClient.destroy();
    });

    // The stack's generated secrets: from CLOSELOOP_SECRET_<NAME>, else random for this run.
    const integrationSecrets = (catalog.integrations ?? []).map((integration) => ({ name: integration.secret, generated: false }));
    const secrets = await startSecrets(secretValues([pageSigningSecret, ...integrationSecrets]));
    stoppers.push(() => secrets.stop());

    const resources = await createResources(dynamoClient, sqsClient, catalog);
    // The handlers read the catalog from a file, as in Lambda (where the construct places it in each asset).
    const stateDir = path.resolve(options.stateDir ?? '.sandbox');
    await mkdir(stateDir, { recursive: true });
    const catalogFile = path.join(stateDir, 'catalog.json');
    await writeFile(catalogFile, JSON.stringify(catalog));
    const queue = (name: string) => resources.queues[name] as { name: string; url: string; arn: string };
    const followUpQueues = Object.fromEntries(followUpQueueNames(catalog).map((name) => [name, queue(name).url]));
    const integrationQueues = Object.fromEntries((catalog.integrations ?? []).map(({ id }) => [id, queue(integrationQueueName(id)).url]));

    // The same variables the stack gives each stage (functions/config/wiring.ts), all at once: every stage runs in this process.
    const variables: Record<WiredEnvKey, string> = {
      SURVEY_TABLE: resources.tableName,
      SENDER_EMAIL: EXAMPLE_ADDRESSES.senderEmail,
      SUPPORT_EMAIL: EXAMPLE_ADDRESSES.supportEmail,
      PUBLIC_BASE_URL: publicBaseUrl,
      CONFIGURATION_SET: 'closeloop-sandbox',
      // Every dispatch poller runs in this one process and shares its pacer: the whole rate (0: unpaced).
      SES_SEND_RATE: String(options.sesMaxSendRate ?? 0),
      DEAD_LETTER_QUEUE_URL: queue(deadLetterQueue.name).url,
      FOLLOW_UP_QUEUE_URLS: JSON.stringify(followUpQueues),
      EVENT_BUS_NAME: SANDBOX_BUS_NAME,
      SCHEDULE_GROUP: 'closeloop-sandbox',
      SCHEDULE_TARGET_ARN: queue(bufferQueue.name).arn,
      SCHEDULE_ROLE_ARN: 'arn:aws:iam::000000000000:role/closeloop-sandbox-scheduler',
      SCHEDULE_DEAD_LETTER_ARN: queue(deadLetterQueue.name).arn,
      CASE_API_URL: publicBaseUrl,
      RULES_FAILURE_QUEUE_URL: queue(rulesFailureQueue.name).url,
      MEASURE_FAILURE_QUEUE_URL: queue(measureFailureQueue.name).url,
      ESCALATE_FAILURE_QUEUE_URL: queue(escalateFailureQueue.name).url,
      FEEDBACK_DEAD_LETTER_QUEUE_URL: queue(feedbackDeadLetterQueue.name).url,
      SLA_TIME_SCALE: String(Math.min(1, Math.max(options.delayScale ?? 1, 1e-9))),
      PAGE_SIGNING_SECRET: pageSigningSecret.name,
      INTEGRATION_QUEUE_URLS: JSON.stringify(integrationQueues),
      INTEGRATION_DEAD_LETTER_QUEUE_URL: queue(integrationDeadLetterQueue.name).url,
      RETRY_DELAY_SCALE: String(Math.min(1, Math.max(options.delayScale ?? 1, 0))),
      ANNOUNCE_QUEUE_URL: queue(announceQueue.name).url,
    };
    Object.assign(process.env, wiredVariables(variables), {
      [ENV.RUNTIME_CATALOG]: catalogFile,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    });
    // Imported only now: like a Lambda cold start, each handler reads its environment once.
    const handlers = await loadHandlers();
    deliverFeedback = async (event) => {
      await sqsClient.send(new SendMessageCommand({ QueueUrl: queue(feedbackQueue.name).url, MessageBody: JSON.stringify(event) }));
    };

    if (options.faults) {
      for (const [label, client] of Object.entries(await handlerClients())) options.faults.attach(client, label);
    }

    const describe = (error: unknown): string => {
      const children = (error as { recordErrors?: unknown[] }).recordErrors;
      const own = error instanceof Error ? (process.env.CLOSELOOP_SANDBOX_STACKS ? String(error.stack) : error.message) : String(error);
      return children?.length ? `${own} ${children.map(describe).join('; ')}` : own;
    };
    const report = (source: string, error: unknown) => log(`[sandbox] ${source}: ${describe(error)}`);
    const bus: RunningEventBus = await startEventBus({
      port: ports.events,
      busName: SANDBOX_BUS_NAME,
      catalog,
      sqs: sqsClient,
      bufferQueueUrl: queue(bufferQueue.name).url,
      subscriptions: [{ pattern: { source: [INTEGRATION_SOURCE] }, queueUrl: queue(SANDBOX_INTEGRATION_EVENTS_QUEUE).url }],
      integrationQueueUrls: integrationQueues,
      warn: (message) => log(`[sandbox] ${message}`),
    });
    stoppers.push(() => bus.stop());
    const scheduler = await startScheduler({
      port: ports.scheduler,
      sqs: sqsClient,
      delayScale: options.delayScale ?? 1,
      report: (message) => log(`[sandbox] ${message}`),
      queueUrls: Object.fromEntries(Object.values(resources.queues).map((q) => [q.arn, q.url])),
    });
    stoppers.push(() => scheduler.stop());
    const routes: HttpRoute[] = [
      ...stageRoutes(handlers),
      // Sandbox only: the HTML report of the last 90 days (in AWS, `closeloop report --html` writes the same file).
      {
        methods: ['GET'],
        path: '/report',
        handler: reportPage(new DynamoAggregateStore(resources.tableName, DynamoDBDocumentClient.from(dynamoClient)), catalog),
        functionName: 'closeloop-report',
      },
    ];
    const api: RunningHttpApi = await startHttpApi({
      port: ports.http,
      routes,
      credentials,
      region: LOCAL_REGION,
      instanceId,
      report: (message) => log(`[sandbox] ${message}`),
    });
    stoppers.push(() => api.stop());

    const pollers = startTriggers(handlers, {
      catalog,
      sqs: sqsClient,
      streams: streamsClient,
      streamArn: resources.streamArn,
      queue,
      retryDelaySeconds: options.retryDelaySeconds ?? 2,
      ...(options.sesMaxSendRate ? { sesMaxSendRate: options.sesMaxSendRate } : {}),
      // EventBridge's rate(1 minute) schedule of the escalation sweep; more often here, as SLAs may be compressed.
      scheduleIntervalMs: options.sweepIntervalMs ?? 1000,
      report,
    });
    stoppers.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });

    const info: SandboxInfo = {
      instanceId,
      region: LOCAL_REGION,
      credentials,
      endpoints: {
        dynamodb: dynamodb.endpoint,
        dynamodbStreams: dynamodb.endpoint,
        sesv2: sesFront.endpoint,
        sqs: sqs.endpoint,
        eventbridge: bus.endpoint,
        scheduler: scheduler.endpoint,
        secretsmanager: secrets.endpoint,
        publicApi: api.url,
      },
      busName: SANDBOX_BUS_NAME,
      tables: { surveys: resources.tableName },
      queues: resources.queues,
      followUpQueues,
      inboxUrl: `${ses.endpoint}/`,
      sesStoreUrl: `${ses.endpoint}/store`,
      reportUrl: `${api.url}/report`,
      publicBaseUrl,
      senderEmail: EXAMPLE_ADDRESSES.senderEmail,
      supportEmail: EXAMPLE_ADDRESSES.supportEmail,
    };
    const infoFile = path.join(stateDir, 'sandbox.json');
    // It holds the run's key pair: readable by its owner only.
    await writeFile(infoFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    await chmod(infoFile, 0o600);
    return { info, infoFile, stop, ses: sesFront };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The catalog with the integrations the sandbox can deliver to: one whose secret has no
 * `CLOSELOOP_SECRET_<NAME>` variable is left out (no queue, no rule), with a warning.
 */
export function withAvailableIntegrations(catalog: Catalog, env: NodeJS.ProcessEnv, warn: (message: string) => void): Catalog {
  if (!catalog.integrations?.length) return catalog;
  const available = catalog.integrations.filter((integration) => {
    const variable = secretVariable(integration.secret);
    if (env[variable]) return true;
    warn(`integration "${integration.id}" is disabled: set ${variable} to the value of its secret "${integration.secret}"`);
    return false;
  });
  return { ...catalog, integrations: available };
}
