/**
 * Environment variable names, set by the CDK constructs and by the sandbox, read by the handlers.
 * One list so that a rename cannot leave a silent '' default behind.
 */
export const ENV = {
  /** The validated catalog (JSON) the function runs with; relative to the function's asset. */
  RUNTIME_CATALOG: 'CLOSELOOP_RUNTIME_CATALOG',
  SURVEY_TABLE: 'CLOSELOOP_SURVEY_TABLE',
  SENDER_EMAIL: 'CLOSELOOP_SENDER_EMAIL',
  SUPPORT_EMAIL: 'CLOSELOOP_SUPPORT_EMAIL',
  PUBLIC_BASE_URL: 'CLOSELOOP_PUBLIC_BASE_URL',
  CONFIGURATION_SET: 'CLOSELOOP_SES_CONFIGURATION_SET',
  /** Survey emails per second one dispatch instance may send: its share of the SES send rate (0: unpaced). */
  SES_SEND_RATE: 'CLOSELOOP_SES_SEND_RATE',
  DISPATCH_FAILURE_QUEUE_URL: 'CLOSELOOP_DISPATCH_FAILURE_QUEUE_URL',
  /** Stream records the rules stage can never process, with the reason (also its on-failure destination). */
  RULES_FAILURE_QUEUE_URL: 'CLOSELOOP_RULES_FAILURE_QUEUE_URL',
  MEASURE_FAILURE_QUEUE_URL: 'CLOSELOOP_MEASURE_FAILURE_QUEUE_URL',
  ESCALATE_FAILURE_QUEUE_URL: 'CLOSELOOP_ESCALATE_FAILURE_QUEUE_URL',
  /** SES feedback events that are not bounces or complaints Closeloop can read, with the reason. */
  DELIVERABILITY_FAILURE_QUEUE_URL: 'CLOSELOOP_DELIVERABILITY_FAILURE_QUEUE_URL',
  /** The bus integration events (SurveySent, SurveySkipped, …) are put on. */
  EVENT_BUS_NAME: 'CLOSELOOP_EVENT_BUS_NAME',
  SCHEDULE_GROUP: 'CLOSELOOP_SCHEDULE_GROUP',
  /** ARN of the dispatch buffer queue, the target of delayed-survey schedules. */
  SCHEDULE_TARGET_ARN: 'CLOSELOOP_SCHEDULE_TARGET_ARN',
  SCHEDULE_ROLE_ARN: 'CLOSELOOP_SCHEDULE_ROLE_ARN',
  SCHEDULE_DEAD_LETTER_ARN: 'CLOSELOOP_SCHEDULE_DEAD_LETTER_ARN',
  /** Base URL of the case API (links in follow-up messages). */
  CASE_API_URL: 'CLOSELOOP_CASE_API_URL',
  /** Optional: multiplies SLA durations; 1 in AWS, smaller in the sandbox to watch escalations happen. */
  SLA_TIME_SCALE: 'CLOSELOOP_SLA_TIME_SCALE',
  /** JSON object: follow-up queue name (as declared in the catalog) → queue URL. */
  FOLLOW_UP_QUEUE_URLS: 'CLOSELOOP_FOLLOW_UP_QUEUE_URLS',
  /** Secrets Manager id (ARN) of the key that signs the render time of the rating and unsubscribe pages. */
  PAGE_SIGNING_SECRET: 'CLOSELOOP_PAGE_SIGNING_SECRET',
  /** Secrets Manager id (ARN) of the key that signs the case inbox's cursors (tamper-checked paging). */
  INBOX_CURSOR_SECRET: 'CLOSELOOP_INBOX_CURSOR_SECRET',
  /** Optional: the JWT claim that carries the workspace member's groups (teams). Default `cognito:groups`. */
  WORKSPACE_GROUPS_CLAIM: 'CLOSELOOP_WORKSPACE_GROUPS_CLAIM',
  /** The workspace's OpenID issuer (its pages sign in there). */
  WORKSPACE_ISSUER: 'CLOSELOOP_WORKSPACE_ISSUER',
  /** The workspace's client id at the issuer. */
  WORKSPACE_CLIENT_ID: 'CLOSELOOP_WORKSPACE_CLIENT_ID',
  /** Optional: the managed login's origin when it is not the issuer's (Cognito's domain), for the pages' CSP. */
  WORKSPACE_LOGIN_ORIGIN: 'CLOSELOOP_WORKSPACE_LOGIN_ORIGIN',
  /** Optional: the `service` dimension of the metrics; one per Closeloop instance, so two instances in one account never mix. Default `closeloop`. */
  METRICS_SERVICE: 'CLOSELOOP_METRICS_SERVICE',
  /** JSON object: integration id (as declared in the catalog) → the URL of its delivery queue. */
  INTEGRATION_QUEUE_URLS: 'CLOSELOOP_INTEGRATION_QUEUE_URLS',
  /** Deliveries that failed for the whole retry window, with the reason. */
  DELIVER_FAILURE_QUEUE_URL: 'CLOSELOOP_DELIVER_FAILURE_QUEUE_URL',
  /** Optional: multiplies delivery retry waits; 1 in AWS, smaller in the sandbox (CLOSELOOP_DELAY_SCALE). */
  RETRY_DELAY_SCALE: 'CLOSELOOP_RETRY_DELAY_SCALE',
  /** The inbound domain (`inbound.domain`): replies to case emails go to `reply+<token>@` it. */
  INBOUND_DOMAIN: 'CLOSELOOP_INBOUND_DOMAIN',
  /** The bucket the receipt rule stores received messages in (under `inbound/`). */
  INBOUND_BUCKET: 'CLOSELOOP_INBOUND_BUCKET',
  /** Optional: the workspace's inbox URL (`<public base URL>/inbox`), when the stack has the workspace: links in internal emails. */
  WORKSPACE_URL: 'CLOSELOOP_WORKSPACE_URL',
  /** Secrets Manager id (ARN) of the key that signs the reply addresses' tokens (a key of its own). */
  REPLY_TOKEN_SECRET: 'CLOSELOOP_REPLY_TOKEN_SECRET',
  /** The announce stage's queue: one message per recipient of an announcement. */
  ANNOUNCE_QUEUE_URL: 'CLOSELOOP_ANNOUNCE_QUEUE_URL',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
}

/** Reads required variables once, at cold start; a missing one fails the init, loudly. */
export function readEnv<K extends keyof typeof ENV>(keys: readonly K[], env: NodeJS.ProcessEnv = process.env): Record<K, string> {
  const missing = keys.filter((key) => !env[ENV[key]]);
  if (missing.length) {
    throw new MissingConfigurationError(`Missing environment variables: ${missing.map((key) => ENV[key]).join(', ')}`);
  }
  return Object.fromEntries(keys.map((key) => [key, env[ENV[key]] as string])) as Record<K, string>;
}
