import { numberIn } from '../env-codecs.js';
import { bufferQueue, DISPATCH_TIMEOUT_SECONDS, dispatchConcurrencyFor } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** Buffer queue → one survey email per program and event, or a schedule for later. */
export const dispatch = {
  description: 'Sends one survey email per program and event (idempotent by eventId).',
  timeoutSeconds: DISPATCH_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: [
    'SurveySent',
    'SurveyScheduled',
    'SurveySkipped',
    'SurveyNotApplicable',
    'SurveyCancelled',
    'EventRejected',
    'SurveyResent',
    'SentMarkFailed',
    'SendDeferred',
    'SendingPaused',
    'EventIdReused',
    'DispatchFailed',
    'ReminderScheduled',
    'ReminderHeldOut',
    'ReminderSent',
    'ReminderSkipped',
  ],
  env: [
    'SURVEY_TABLE',
    'SENDER_EMAIL',
    'SUPPORT_EMAIL',
    'PUBLIC_BASE_URL',
    'CONFIGURATION_SET',
    'SES_SEND_RATE',
    'DISPATCH_FAILURE_QUEUE_URL',
    'EVENT_BUS_NAME',
    'SCHEDULE_GROUP',
    'SCHEDULE_TARGET_ARN',
    'SCHEDULE_ROLE_ARN',
    'SCHEDULE_DEAD_LETTER_ARN',
  ],
  // Emails per second this instance paces itself to (0: unpaced, the sandbox without a rate).
  codecs: { SES_SEND_RATE: numberIn(0, 100_000) },
  // GetItem: a due reminder reads its invitation (address, language, context) when it fires; and once per
  // cold start, whether suppression flags are migrated (docs/upgrading.md). BatchGetItem: the live
  // cancellations of a batch's cancellable surveys, read before their reservations.
  table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  trigger: { kind: 'queue', queue: bufferQueue.name, batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: dispatchConcurrencyFor },
} as const satisfies StageManifest;
