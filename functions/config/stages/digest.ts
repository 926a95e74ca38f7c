import { DIGEST_TIMEOUT_SECONDS, surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/**
 * The weekly digests. Invoked by one EventBridge Scheduler schedule per catalog digest (its own
 * resources, lib/constructs/digests.ts) and by `closeloop digest send` through its route.
 */
export const digest = {
  description: 'Sends the weekly digests (score vs baseline, follow-ups and SLA, topics, root causes) to Slack and by email, once per week and recipient.',
  timeoutSeconds: DIGEST_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['DigestSent', 'DigestFailed'],
  env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'CONFIGURATION_SET'],
  // Reads the day buckets (GetItem: a program's segments; Query: its days) and takes, marks and releases the sent records.
  table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  // Counts each follow-up queue's cases still open past their due time.
  indexes: [surveyTable.inboxIndex.name],
  routes: [{ methods: ['POST'], path: '/digests/{digestId}/send', auth: 'iam' }],
} as const satisfies StageManifest;
