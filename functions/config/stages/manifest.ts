import type { KeyFamily } from '../../adapters/table-keys.js';
import type { ENV } from '../env.js';
import type { EnvCodec } from '../env-codecs.js';
import type { surveyTable } from '../resources.js';

/**
 * What a stage is, declared once: what it reads from its environment, what it may do on the table,
 * the routes it serves and what triggers it. Plain data (no `aws-cdk-lib`: handlers bundle it). Its
 * readers: `StageFunction` (lib/constructs/stage-function.ts) builds the function, its grants, routes
 * and event source from it; the sandbox (sandbox/stages.ts) runs the same handler with the same
 * trigger; the wiring test (test/infra/wiring.test.ts) checks it against the synthesized template and
 * the pre-built bundles; docs/contributing.md's table of stages is generated from it.
 */
export interface StageManifest {
  /** The Lambda function's description. */
  readonly description: string;
  /** The metric names the handler emits (`stageCounter` accepts these and no other). */
  readonly metrics: readonly string[];
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** Variables the handler requires (a missing one fails the cold start). */
  readonly env: readonly EnvKey[];
  /** Variables the handler reads when present. */
  readonly optionalEnv?: readonly EnvKey[];
  /** How the variables that are not plain strings are decoded (JSON maps, numbers), checked at cold start. */
  readonly codecs?: { readonly [K in EnvKey]?: EnvCodec<unknown> };
  /** Item actions on the survey table itself (not its indexes). */
  readonly table: readonly TableAction[];
  /**
   * The item families (the table map's KEY_FAMILIES) its item actions are limited to, by partition
   * key (IAM `dynamodb:LeadingKeys`). @default any item of the table
   */
  readonly leadingKeys?: readonly KeyFamily[];
  /** Indexes of the survey table the stage may Query. */
  readonly indexes?: readonly IndexName[];
  /** HTTP API routes served by the stage. */
  readonly routes?: readonly Route[];
  /** What invokes the stage besides its routes. */
  readonly trigger?: Trigger;
  /** Deployed only when the construct's prop of this name is set (off unless asked). @default always deployed */
  readonly onlyWith?: 'workspace' | 'inbound';
}

export type EnvKey = keyof typeof ENV;
export type HttpMethod = 'GET' | 'HEAD' | 'POST';
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:Query'
  | 'dynamodb:BatchGetItem';
export type IndexName =
  | (typeof surveyTable)['slaIndex']['name']
  | (typeof surveyTable)['contactIndex']['name']
  | (typeof surveyTable)['inboxIndex']['name']
  | (typeof surveyTable)['answerIndex']['name'];

export interface Route {
  readonly methods: readonly HttpMethod[];
  readonly path: string;
  /**
   * `iam`: SigV4-signed by an IAM principal (the case API, erasure); `jwt`: a bearer token of the
   * workspace's OpenID provider, checked by the HTTP API's JWT authorizer (the workspace); `none`: the
   * token in the path (rating pages) or the request's Standard Webhooks signature (inbound hooks) is
   * the authorisation.
   */
  readonly auth: 'none' | 'iam' | 'jwt';
}

/** Lambda's SQS event source on a queue of the stage (functions/config/resources.ts names it). */
export interface QueueTrigger {
  readonly kind: 'queue';
  /** The queue's name (its redrive policy and dead-letter queue are the queue's own, in resources.ts). */
  readonly queue: string;
  /** One such queue per catalog integration (`integration-<id>`) instead of one named queue. */
  readonly perIntegration?: boolean;
  readonly batchSize: number;
  /** @default 0 (none) */
  readonly maxBatchingWindowSeconds?: number;
  /** The most concurrent instances for the stack's SES send rate (emails per second). @default no cap */
  readonly maxConcurrency?: (sesMaxSendRate: number) => number;
  /** The handler sets a failed message's visibility itself (its own backoff). @default false */
  readonly handlerSetsVisibility?: boolean;
}

/** Lambda's DynamoDB stream event source on the survey table's stream. */
export interface StreamTrigger {
  readonly kind: 'stream';
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing batch before its description goes to the failure queue. */
  readonly retryAttempts: number;
  readonly maxRecordAgeHours: number;
  /** The on-failure destination's name (resources.ts). */
  readonly failureQueue: string;
  /** Lambda's event filter pattern on the stream record: only matching records invoke the function. */
  readonly filter: Readonly<Record<string, unknown>>;
}

/** An EventBridge rule's `rate(...)` schedule, invoking the function asynchronously. */
export interface ScheduleTrigger {
  readonly kind: 'schedule';
  readonly rateMinutes: number;
  /** Where an invocation that kept failing is kept (the function's DLQ and the rule target's). */
  readonly failureQueue: string;
  readonly retryAttempts: number;
  readonly maxEventAgeMinutes: number;
  /** Reserved concurrency (1: never two runs at once). */
  readonly reservedConcurrency?: number;
}

/**
 * An SES receipt rule's Lambda action (asynchronous invocation) after its S3 action stored the message:
 * Lambda retries a failed invocation, then sends it with the error to its on-failure destination.
 */
export interface MailTrigger {
  readonly kind: 'mail';
  /** The on-failure destination (resources.ts). */
  readonly failureQueue: string;
  readonly retryAttempts: number;
  readonly maxEventAgeMinutes: number;
}

export type Trigger = QueueTrigger | StreamTrigger | ScheduleTrigger | MailTrigger;
