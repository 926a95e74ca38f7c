import { ANNOUNCE_TIMEOUT_SECONDS, announceConcurrencyFor, announceQueue, surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** "You said, we did": POST /announcements plans, its queue sends one email per recipient. */
export const announce = {
  description: 'Announces what changed ("you said, we did") to the respondents of a topic or root cause, each at most once.',
  // Under the HTTP API's 30 s integration limit: the selection runs in the request.
  timeoutSeconds: ANNOUNCE_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['AnnouncementQueued', 'AnnouncementSent', 'AnnouncementSkipped', 'AnnouncementMarkFailed', 'AnnounceRecordFailed'],
  env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'CONFIGURATION_SET', 'ANNOUNCE_QUEUE_URL'],
  // Selection: answers by the answer index, then invitations, cases, suppressions and records in batches.
  // Sending: the invitation, the claim (record update, suppression check, unsubscribe link put) and the sent mark.
  table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem'],
  indexes: [surveyTable.answerIndex.name],
  routes: [{ methods: ['POST'], path: '/announcements', auth: 'iam' }],
  trigger: { kind: 'queue', queue: announceQueue.name, batchSize: 10, maxConcurrency: announceConcurrencyFor },
} as const satisfies StageManifest;
