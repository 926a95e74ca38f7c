import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXAMPLE_ADDRESSES, followUpQueueNames } from '../functions/config/resources.js';
import type { Catalog } from '../functions/domain/program.js';
import { assertPortFree, freePort, LOCAL_REGION } from './emulators.js';
import type { FaultInjector } from './faults.js';
import type { SandboxAgent } from './oidc.js';
import { SANDBOX_BUS_NAME } from './resources.js';
import { secretVariable } from './secrets.js';
import { startServices } from './services/index.js';
import { required, type SandboxRun } from './services/service.js';
import type { SesFront } from './ses-front.js';

/** Ports the sandbox listens on (127.0.0.1). 0 picks a free one (what the tests do). */
export interface SandboxPorts {
  dynamodb: number;
  ses: number;
  sqs: number;
  events: number;
  scheduler: number;
  http: number;
  /** The workspace's OpenID provider. */
  oidc: number;
  /** SES email receiving: customers' replies to the inbound domain. */
  smtp: number;
}

export const DEFAULT_PORTS: SandboxPorts = { dynamodb: 8000, ses: 8005, sqs: 4566, events: 4010, scheduler: 4011, http: 3000, oidc: 3001, smtp: 2525 };

/** The environment variable that overrides each default port. */
export const PORT_VARIABLES: Record<keyof SandboxPorts, string> = {
  dynamodb: 'CLOSELOOP_DYNAMODB_PORT',
  ses: 'CLOSELOOP_SES_PORT',
  sqs: 'CLOSELOOP_SQS_PORT',
  events: 'CLOSELOOP_EVENTS_PORT',
  scheduler: 'CLOSELOOP_SCHEDULER_PORT',
  http: 'CLOSELOOP_HTTP_PORT',
  oidc: 'CLOSELOOP_OIDC_PORT',
  smtp: 'CLOSELOOP_SMTP_PORT',
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
    /** The workspace's OpenID provider (issuer): authorization code with PKCE for `workspaceClientId`. */
    oidc: string;
    /** The support agents' workspace: the inbox (sign in as one of `agents`). */
    workspace: string;
    /** SES email receiving: send a customer's reply here (to `reply+<token>@<inboundDomain>`, the Reply-To of a case's email). */
    smtp: string;
  };
  /** The domain whose `reply+<token>@` addresses land in cases (`inbound.domain` in AWS). */
  inboundDomain: string;
  /** The workspace's client at the provider. */
  workspaceClientId: string;
  /** One agent per team and an admin, with the passwords the provider's login checks (this file is mode 600). */
  agents: SandboxAgent[];
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

export { SANDBOX_BUS_NAME };

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
 * Starts the sandbox's services (./services/: DynamoDB Local, SES local and SQS, the stack's table
 * and queues on them, Secrets Manager, PutEvents and Scheduler endpoints, the HTTP API) and runs the
 * same handlers as Lambda behind them, each stage as its manifest says. Handlers find the emulators
 * through the standard AWS SDK settings (AWS_ENDPOINT_URL_*).
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const asked: SandboxPorts = { ...DEFAULT_PORTS, ...options.ports };
  const anyChosen = Object.values(asked).includes(0);
  for (let attempt = 1; ; attempt++) {
    const ports: SandboxPorts = { ...asked };
    for (const key of Object.keys(ports) as (keyof SandboxPorts)[]) {
      if (ports[key] === 0) ports[key] = await freePort();
      else await assertPortFree(ports[key], key, PORT_VARIABLES[key]);
    }
    try {
      return await startOn(options, ports);
    } catch (error) {
      // A port chosen free was taken before its server bound it (another sandbox starting at the same moment): choose again.
      const taken = /EADDRINUSE|address already in use/i.test(
        String((error as { code?: string }).code ?? '') + String(error instanceof Error ? error.message : error),
      );
      if (!anyChosen || !taken || attempt >= 3) throw error;
    }
  }
}

async function startOn(options: SandboxOptions, ports: SandboxPorts): Promise<RunningSandbox> {
  const log = options.log ?? ((message: string) => console.log(message));
  const describe = (error: unknown): string => {
    const children = (error as { recordErrors?: unknown[] }).recordErrors;
    const own = error instanceof Error ? (process.env.CLOSELOOP_SANDBOX_STACKS ? String(error.stack) : error.message) : String(error);
    return children?.length ? `${own} ${children.map(describe).join('; ')}` : own;
  };
  const run: SandboxRun = {
    options,
    catalog: withAvailableIntegrations(options.catalog, process.env, (message) => log(`[sandbox] ${message}`)),
    ports,
    credentials: sandboxCredentials(),
    instanceId: randomUUID(),
    stateDir: path.resolve(options.stateDir ?? '.sandbox'),
    log,
    report: (source, error) => log(`[sandbox] ${source}: ${describe(error)}`),
    endpoints: {},
  };
  const stop = await startServices(run);
  try {
    const endpoint = (name: keyof SandboxInfo['endpoints'] | 'sesEmulator') => required(run.endpoints[name], `the ${name} endpoint`, 'sandbox');
    const resources = required(run.resources, 'the table and queues', 'sandbox');
    const info: SandboxInfo = {
      instanceId: run.instanceId,
      region: LOCAL_REGION,
      credentials: run.credentials,
      endpoints: {
        dynamodb: endpoint('dynamodb'),
        dynamodbStreams: endpoint('dynamodbStreams'),
        sesv2: endpoint('sesv2'),
        sqs: endpoint('sqs'),
        eventbridge: endpoint('eventbridge'),
        scheduler: endpoint('scheduler'),
        secretsmanager: endpoint('secretsmanager'),
        publicApi: endpoint('publicApi'),
        oidc: endpoint('oidc'),
        workspace: `${endpoint('publicApi')}/inbox`,
        smtp: endpoint('smtp'),
      },
      inboundDomain: EXAMPLE_ADDRESSES.inboundDomain,
      workspaceClientId: required(run.oidc, 'the OpenID provider', 'sandbox').clientId,
      agents: [...required(run.agents, 'the agents', 'sandbox')],
      busName: SANDBOX_BUS_NAME,
      tables: { surveys: resources.tableName },
      queues: resources.queues,
      followUpQueues: Object.fromEntries(
        followUpQueueNames(run.catalog).map((name) => [name, required(resources.queues[name], `the queue ${name}`, 'sandbox').url]),
      ),
      inboxUrl: `${endpoint('sesEmulator')}/`,
      sesStoreUrl: `${endpoint('sesEmulator')}/store`,
      reportUrl: `${endpoint('publicApi')}/report`,
      publicBaseUrl: `http://127.0.0.1:${ports.http}`,
      senderEmail: EXAMPLE_ADDRESSES.senderEmail,
      supportEmail: EXAMPLE_ADDRESSES.supportEmail,
    };
    const infoFile = path.join(run.stateDir, 'sandbox.json');
    // It holds the run's key pair: readable by its owner only.
    await writeFile(infoFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    await chmod(infoFile, 0o600);
    return { info, infoFile, stop, ses: required(run.ses, 'SES', 'sandbox') };
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
  const hooked = available.map((integration) => {
    if (!integration.inbound || env[secretVariable(integration.inbound.secret)]) return integration;
    const variable = secretVariable(integration.inbound.secret);
    warn(`the inbound hook of integration "${integration.id}" is off: set ${variable} to the value of its secret "${integration.inbound.secret}"`);
    return { ...integration, inbound: false as const };
  });
  return { ...catalog, integrations: hooked };
}
