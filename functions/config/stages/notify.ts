import { NOTIFY_RETRY_ATTEMPTS, NOTIFY_TIMEOUT_SECONDS, notifyFailureQueue } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** Respondent notifications from their outbox items on the stream, each at most once. */
export const notify = {
  description:
    "Sends case notifications (the respondent's acknowledgement, resolution and replies; the assignee's customer-replied) from their outbox items, each at most once.",
  timeoutSeconds: NOTIFY_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['NotificationSent', 'NotificationSkipped', 'NotificationMarkFailed', 'NotifyRecordFailed'],
  env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'CONFIGURATION_SET'],
  // With `inbound`: each email's Reply-To is its case's reply address, signed with the reply-token key.
  // WORKSPACE_URL: with the workspace, an assignee's email (the customer wrote back) links to the case page.
  optionalEnv: ['INBOUND_DOMAIN', 'REPLY_TOKEN_SECRET', 'WORKSPACE_URL'],
  // A batch that keeps failing goes to the notify-failures queue as the event source's on-failure destination (no variable: Lambda sends it).
  // The claim (an update with the suppression check and the unsubscribe link's put, one transaction) and the sent mark.
  table: ['dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem'],
  trigger: {
    kind: 'stream',
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    retryAttempts: NOTIFY_RETRY_ATTEMPTS,
    maxRecordAgeHours: 24,
    failureQueue: notifyFailureQueue.name,
    // New outbox items only: the function is not invoked for anything else on the stream.
    filter: { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['notification'] } } } },
  },
} as const satisfies StageManifest;
