import { measureFailureQueue } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The stream's second reader: day buckets, topics, case outcomes, rolling-score alerts. */
export const measure = {
  description: 'Keeps response, topic and case counters per day and raises rolling-score alerts.',
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['ThresholdBreached', 'ThresholdRecovered', 'MeasureRecordFailed', 'MeasureRecordSetAside'],
  env: ['SURVEY_TABLE', 'EVENT_BUS_NAME', 'MEASURE_FAILURE_QUEUE_URL'],
  // Markers and counters in one transaction, alert state, and reads of the day buckets.
  table: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  trigger: {
    kind: 'stream',
    batchSize: 100,
    maxBatchingWindowSeconds: 5,
    retryAttempts: 5,
    maxRecordAgeHours: 24,
    failureQueue: measureFailureQueue.name,
    filter: { dynamodb: { NewImage: { type: { S: ['invitation', 'case'] } } } },
  },
} as const satisfies StageManifest;
