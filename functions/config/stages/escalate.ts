import { urlsByName } from '../env-codecs.js';
import { escalateFailureQueue, surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The escalation sweep: every minute, one instance, over the sparse deadline index. */
export const escalate = {
  description: 'Escalates follow-up cases whose acknowledge-by or resolve-by time passed, one rung at a time.',
  timeoutSeconds: 60,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['FollowUpEscalated'],
  env: ['SURVEY_TABLE', 'FOLLOW_UP_QUEUE_URLS', 'EVENT_BUS_NAME', 'ESCALATE_FAILURE_QUEUE_URL'],
  codecs: { FOLLOW_UP_QUEUE_URLS: urlsByName },
  table: ['dynamodb:UpdateItem'],
  indexes: [surveyTable.slaIndex.name],
  // One sweep at a time: two would race for the same rung (the optimistic lock would stop the second).
  trigger: { kind: 'schedule', rateMinutes: 1, failureQueue: escalateFailureQueue.name, retryAttempts: 2, maxEventAgeMinutes: 5, reservedConcurrency: 1 },
} as const satisfies StageManifest;
