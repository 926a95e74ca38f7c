import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Stage } from '../../functions/config/wiring.js';
import type { Catalog } from '../../functions/domain/program.js';
import type { BusEvent } from '../event-bus.js';
import type { RunningOidcProvider, SandboxAgent } from '../oidc.js';
import type { ErrorReporter } from '../pollers.js';
import type { SandboxResources } from '../resources.js';
import type { SandboxInfo, SandboxOptions, SandboxPorts } from '../sandbox.js';
import type { SesFront } from '../ses-front.js';
import type { AnyHandler } from '../stages.js';

/**
 * What one sandbox run knows, filled in as its services start: each service reads what the services
 * it starts after have set, and sets its own part (its endpoint, its clients).
 */
export interface SandboxRun {
  readonly options: SandboxOptions;
  /** The catalog the run serves (integrations without a secret left out). */
  readonly catalog: Catalog;
  readonly ports: SandboxPorts;
  readonly credentials: SandboxInfo['credentials'];
  readonly instanceId: string;
  /** Where sandbox.json and the handlers' catalog.json are written. */
  readonly stateDir: string;
  readonly log: (message: string) => void;
  readonly report: ErrorReporter;
  /** The endpoints started so far (sandbox.json's `endpoints`), and the SES emulator's own (inbox, store). */
  readonly endpoints: Partial<SandboxInfo['endpoints']> & { sesEmulator?: string };
  /** The sandbox's own clients (never the handlers'): set by the `resources` service. */
  clients?: { readonly dynamodb: DynamoDBClient; readonly sqs: SQSClient; readonly streams: DynamoDBStreamsClient };
  /** The table and queues, as created on the emulators. */
  resources?: SandboxResources;
  /** SES as the handlers see it (throttling, simulated feedback). */
  ses?: SesFront;
  /** Where SES's simulated bounces and complaints go (the feedback queue, once it exists). */
  feedback?: (event: BusEvent) => Promise<void>;
  /** The workspace's OpenID provider and the agents it knows (the `oidc` service). */
  oidc?: RunningOidcProvider;
  agents?: readonly SandboxAgent[];
  /** Every stage's handler, imported once the environment is set. */
  handlers?: Readonly<Record<Stage, AnyHandler>>;
}

/**
 * A local stand-in for an AWS service or a Lambda event source: one file each in this folder, listed
 * in ./index.ts. A new local service (an OpenID provider, an SMTP server) is a new file there.
 */
export interface SandboxService {
  readonly name: string;
  /** The services whose part of the run this one reads: it starts once they have. */
  readonly after?: readonly string[];
  /** Starts it; the answer stops it (services stop in the reverse order). */
  start(run: SandboxRun): Promise<() => Promise<void>>;
}

/** What a service needs another to have set, or a clear error naming both. */
export function required<T>(value: T | undefined, what: string, service: string): T {
  if (value === undefined) throw new Error(`sandbox: the ${service} service needs ${what}, which no service before it set (check its \`after\`)`);
  return value;
}
