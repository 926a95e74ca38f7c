import { FEEDBACK_TIMEOUT_SECONDS, feedbackQueue } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** SES bounces and complaints (from the default bus) → suppressions and counters. */
export const deliverability = {
  description: 'Suppresses bounced and complaining recipients at once and counts bounces and complaints per program.',
  timeoutSeconds: FEEDBACK_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['EmailBounced', 'EmailSoftBounced', 'EmailComplained', 'FeedbackRejected', 'DeliverabilityRecordFailed'],
  env: ['SURVEY_TABLE', 'DELIVERABILITY_FAILURE_QUEUE_URL'],
  // Suppression records, and the counters with their once-only marker (one transaction).
  table: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  trigger: { kind: 'queue', queue: feedbackQueue.name, batchSize: 10 },
} as const satisfies StageManifest;
