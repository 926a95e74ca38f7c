import { ENV, MissingConfigurationError, readEnv } from './env.js';
import { surveyTable } from './resources.js';

/**
 * What each stage needs from the stack, declared once. Four readers:
 * - the stage's construct (lib/constructs/*): `ServiceFunction` requires exactly these variables,
 *   grants exactly these table actions and index queries, and the API gets exactly these routes;
 * - the handler: `readStageEnv(stage)` reads and checks the variables at cold start, and
 *   `stageCounter(stage)` emits only the metric names the stage declares (./metrics.ts);
 * - the sandbox: it provides the same variables and serves the same routes;
 * - the test fixtures (test/fixtures/handler-env.ts).
 * The metric names are the fourth part of the contract, in ./metrics.ts (kept apart so a handler's
 * bundle holds only the names it emits, which the dashboard test checks).
 */

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
   * `iam`: SigV4-signed by an IAM principal (the case API, erasure); `none`: the token in the path
   * (rating pages) or the request's Standard Webhooks signature (inbound hooks) is the authorisation.
   */
  readonly auth: 'none' | 'iam';
}

export interface StageWiring {
  /** Variables the handler requires (a missing one fails the cold start). */
  readonly env: readonly EnvKey[];
  /** Variables the handler reads when present. */
  readonly optionalEnv?: readonly EnvKey[];
  /** Item actions on the survey table itself (not its indexes). */
  readonly table: readonly TableAction[];
  /** Indexes of the survey table the stage may Query. */
  readonly indexes?: readonly IndexName[];
  /** HTTP API routes served by the stage. */
  readonly routes?: readonly Route[];
}

export const WIRING = {
  dispatch: {
    env: [
      'SURVEY_TABLE',
      'SENDER_EMAIL',
      'SUPPORT_EMAIL',
      'PUBLIC_BASE_URL',
      'CONFIGURATION_SET',
      'SES_SEND_RATE',
      'DEAD_LETTER_QUEUE_URL',
      'EVENT_BUS_NAME',
      'SCHEDULE_GROUP',
      'SCHEDULE_TARGET_ARN',
      'SCHEDULE_ROLE_ARN',
      'SCHEDULE_DEAD_LETTER_ARN',
    ],
    // GetItem: a due reminder reads its invitation (address, language, context) when it fires; and once per
    // cold start, whether suppression flags are migrated (docs/upgrading.md). BatchGetItem: the live
    // cancellations of a batch's cancellable surveys, read before their reservations.
    table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  },
  respond: {
    env: ['SURVEY_TABLE', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'PAGE_SIGNING_SECRET'],
    table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
    routes: [
      { methods: ['GET', 'HEAD', 'POST'], path: '/r/{token}', auth: 'none' },
      { methods: ['GET', 'HEAD', 'POST'], path: '/u/{token}', auth: 'none' },
    ],
  },
  'follow-up': {
    env: ['FOLLOW_UP_QUEUE_URLS', 'SURVEY_TABLE', 'EVENT_BUS_NAME', 'CASE_API_URL', 'RULES_FAILURE_QUEUE_URL'],
    optionalEnv: ['SLA_TIME_SCALE'],
    table: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  },
  cases: {
    // PAGE_SIGNING_SECRET: keys the inbox's cursors (tamper-checked), apart from the pages' own use of it.
    env: ['SURVEY_TABLE', 'EVENT_BUS_NAME', 'PAGE_SIGNING_SECRET'],
    // PutItem: the outbox item of a resolution reply, in the resolve's transaction.
    table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
    indexes: [surveyTable.inboxIndex.name],
    routes: [
      { methods: ['GET'], path: '/cases', auth: 'iam' },
      { methods: ['GET'], path: '/cases/{caseId}', auth: 'iam' },
      { methods: ['POST'], path: '/cases/{caseId}/acknowledge', auth: 'iam' },
      { methods: ['POST'], path: '/cases/{caseId}/resolve', auth: 'iam' },
      { methods: ['POST'], path: '/cases/{caseId}/assign', auth: 'iam' },
    ],
  },
  hooks: {
    env: ['SURVEY_TABLE', 'EVENT_BUS_NAME'],
    // The case transitions as the case API makes them (PutItem: a resolution reply's outbox item; and
    // the replay guard's item per webhook-id). The integrations' secrets are granted by name.
    table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    routes: [{ methods: ['POST'], path: '/hooks/{integrationId}', auth: 'none' }],
  },
  escalate: {
    env: ['SURVEY_TABLE', 'FOLLOW_UP_QUEUE_URLS', 'EVENT_BUS_NAME', 'RULES_FAILURE_QUEUE_URL'],
    table: ['dynamodb:UpdateItem'],
    indexes: [surveyTable.slaIndex.name],
  },
  measure: {
    env: ['SURVEY_TABLE', 'EVENT_BUS_NAME', 'RULES_FAILURE_QUEUE_URL'],
    table: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  },
  deliverability: {
    env: ['SURVEY_TABLE', 'FEEDBACK_DEAD_LETTER_QUEUE_URL'],
    table: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  erase: {
    env: ['SURVEY_TABLE'],
    // UpdateItem: the suppression record and flag, and a contact's REST#all kept with its flag.
    table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    indexes: [surveyTable.contactIndex.name],
    routes: [{ methods: ['POST'], path: '/erasures', auth: 'iam' }],
  },
  notify: {
    env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'CONFIGURATION_SET', 'NOTIFY_FAILURE_QUEUE_URL'],
    // The claim (an update with the suppression check and the unsubscribe link's put, one transaction) and the sent mark.
    table: ['dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem'],
  },
  deliver: {
    env: ['SURVEY_TABLE', 'INTEGRATION_QUEUE_URLS', 'INTEGRATION_DEAD_LETTER_QUEUE_URL'],
    optionalEnv: ['RETRY_DELAY_SCALE'],
    // Cases (comment and topics for Slack, the contact key of an opted-in delivery), the delivery log and its replay.
    table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    routes: [{ methods: ['POST'], path: '/integrations/{integrationId}/replay', auth: 'iam' }],
  },
  announce: {
    env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'CONFIGURATION_SET', 'ANNOUNCE_QUEUE_URL'],
    // Selection: answers by the answer index, then invitations, cases, suppressions and records in batches.
    // Sending: the invitation, the claim (record update, suppression check, unsubscribe link put) and the sent mark.
    table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem'],
    indexes: [surveyTable.answerIndex.name],
    routes: [{ methods: ['POST'], path: '/announcements', auth: 'iam' }],
  },
  digest: {
    env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'CONFIGURATION_SET'],
    // Reads the day buckets (GetItem: a program's segments; Query: its days) and takes, marks and releases the sent records.
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    // Counts each follow-up queue's cases still open past their due time.
    indexes: [surveyTable.inboxIndex.name],
    routes: [{ methods: ['POST'], path: '/digests/{digestId}/send', auth: 'iam' }],
  },
} as const satisfies Record<string, StageWiring>;

export type Stage = keyof typeof WIRING;
export const STAGES = Object.keys(WIRING) as Stage[];
export type StageEnvKey<S extends Stage> = (typeof WIRING)[S]['env'][number];
type OptionalEnvKey<S extends Stage> = (typeof WIRING)[S] extends { readonly optionalEnv: readonly (infer K)[] } ? K : never;
/** Every variable some stage requires or reads: what the sandbox and the test fixtures provide (all at once: they run every stage in one process). */
export type WiredEnvKey = { [S in Stage]: StageEnvKey<S> | OptionalEnvKey<S> }[Stage];

/** Variable name → value, for every wired key (the sandbox's and the fixtures' environment). */
export function wiredVariables(values: Readonly<Record<WiredEnvKey, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [ENV[key as EnvKey], value]));
}

/** The values a construct or the sandbox gives a stage: one per required variable, by key. */
export type StageEnvironment<S extends Stage> = Readonly<Record<StageEnvKey<S>, string>>;

/** Every variable some stage requires or reads: what the sandbox and the fixtures must provide. */
export const ENV_KEYS_IN_USE: readonly EnvKey[] = [
  ...new Set(Object.values(WIRING as Record<Stage, StageWiring>).flatMap((wiring) => [...wiring.env, ...(wiring.optionalEnv ?? [])])),
];

/** `method path` keys of a route, as API Gateway names them (`GET /cases/{caseId}`). */
export function routeKeys(route: Route): string[] {
  return route.methods.map((method) => `${method} ${route.path}`);
}

/** The stage's variables as the function sees them (variable name → value); a missing value is an error, an extra one too. */
export function stageVariables<S extends Stage>(stage: S, values: StageEnvironment<S>): Record<string, string> {
  const wiring: StageWiring = WIRING[stage];
  const given = values as Readonly<Record<string, string | undefined>>;
  const allowed = new Set<string>([...wiring.env, ...(wiring.optionalEnv ?? [])]);
  const missing = wiring.env.filter((key) => given[key] === undefined);
  const extra = Object.keys(given).filter((key) => !allowed.has(key));
  if (missing.length || extra.length) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not declared ${extra.join(', ')}` : ''].filter(Boolean);
    throw new MissingConfigurationError(`The ${stage} stage's environment does not match its wiring (functions/config/wiring.ts): ${parts.join('; ')}`);
  }
  return Object.fromEntries(Object.entries(given).map(([key, value]) => [ENV[key as EnvKey], value as string]));
}

/** The handler's side: the stage's required variables, read once at cold start (a missing one fails it, loudly). */
export function readStageEnv<S extends Stage>(stage: S, env: NodeJS.ProcessEnv = process.env): Record<StageEnvKey<S>, string> {
  return readEnv(WIRING[stage].env as readonly StageEnvKey<S>[], env);
}
