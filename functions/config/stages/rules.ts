import { numberIn, urlsByName } from '../env-codecs.js';
import { RULES_TIMEOUT_SECONDS, rulesFailureQueue } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The table's stream → the follow-up rules: cases on the follow-up queues. */
export const rules = {
  description: 'Applies the follow-up rules to new responses and opens cases on the follow-up queues.',
  timeoutSeconds: RULES_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['ResponseRecorded', 'ResponseChanged', 'DetractorRecorded', 'FollowUpOpened', 'RulesRecordFailed', 'RulesRecordSetAside'],
  env: ['FOLLOW_UP_QUEUE_URLS', 'SURVEY_TABLE', 'EVENT_BUS_NAME', 'CASE_API_URL', 'RULES_FAILURE_QUEUE_URL'],
  // INBOUND_DOMAIN: set when the stack receives customers' replies (pauseWhileWaitingForCustomer applies only then).
  optionalEnv: ['SLA_TIME_SCALE', 'INBOUND_DOMAIN'],
  // The sandbox compresses SLAs; 1 in AWS.
  codecs: { FOLLOW_UP_QUEUE_URLS: urlsByName, SLA_TIME_SCALE: numberIn(0, 1, { aboveMin: true, default: 1 }) },
  // Cases (opened with a check, in one transaction, that the respondent was not erased meanwhile), notified marks, rest periods.
  table: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  trigger: {
    kind: 'stream',
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    retryAttempts: 5,
    maxRecordAgeHours: 24,
    failureQueue: rulesFailureQueue.name,
    // Only modifications that carry a response reach the function; the handler re-checks that it is the first.
    filter: { eventName: ['MODIFY'], dynamodb: { NewImage: { respondedAt: { S: [{ exists: true }] } } } },
  },
} as const satisfies StageManifest;
