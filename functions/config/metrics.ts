import type { Stage } from './wiring.js';

/**
 * The metric names each stage emits (namespace `Closeloop`, unit Count, dimension `service`): part
 * of the stage's wiring contract (./wiring.ts). Handlers import only the types (`stageCounter` in
 * adapters/observability.ts accepts these names and no other), so a handler's bundle carries the
 * names it emits as literals and nothing else; the dashboard and the alarms read names from here,
 * and test/infra/metrics.test.ts proves each one they read is in the declaring stage's bundle.
 */
export const METRICS_NAMESPACE = 'Closeloop';
/** The `service` dimension of Closeloop's metrics (Powertools' default dimension) where no instance name is set (the sandbox, tests); in AWS each instance sets its own (ENV.METRICS_SERVICE). */
export const METRICS_SERVICE = 'closeloop';

export const STAGE_METRICS = {
  dispatch: [
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
    'DispatchFailed',
    'ReminderScheduled',
    'ReminderHeldOut',
    'ReminderSent',
    'ReminderSkipped',
  ],
  respond: ['RatingSubmitted', 'RatingConfirmationShown', 'Unsubscribed', 'InvalidLink', 'RespondUnavailable'],
  rules: ['ResponseRecorded', 'ResponseChanged', 'DetractorRecorded', 'FollowUpOpened', 'RulesRecordFailed', 'RulesRecordSetAside'],
  cases: [],
  hooks: ['InboundAccepted', 'InboundRejected'],
  escalate: ['FollowUpEscalated'],
  measure: ['ThresholdBreached', 'ThresholdRecovered', 'MeasureRecordFailed', 'MeasureRecordSetAside'],
  deliverability: ['EmailBounced', 'EmailSoftBounced', 'EmailComplained', 'FeedbackRejected', 'DeliverabilityRecordFailed'],
  erase: ['ContactErased'],
  notify: ['NotificationSent', 'NotificationSkipped', 'NotificationMarkFailed', 'NotifyRecordFailed'],
  deliver: [
    'IntegrationAttempted',
    'IntegrationDelivered',
    'IntegrationRetryScheduled',
    'IntegrationRejected',
    'IntegrationDeadLettered',
    'IntegrationReplayed',
  ],
  announce: ['AnnouncementQueued', 'AnnouncementSent', 'AnnouncementSkipped', 'AnnouncementMarkFailed', 'AnnounceRecordFailed'],
  digest: ['DigestSent', 'DigestFailed'],
} as const satisfies Record<Stage, readonly string[]>;

export type StageMetric<S extends Stage> = (typeof STAGE_METRICS)[S][number];
export type MetricName = { [S in Stage]: StageMetric<S> }[Stage];

/** Every declared metric with the stage that emits it. */
export function metricOwners(): ReadonlyMap<MetricName, Stage> {
  return new Map(
    (Object.keys(STAGE_METRICS) as Stage[]).flatMap((stage) => (STAGE_METRICS[stage] as readonly MetricName[]).map((name) => [name, stage] as const)),
  );
}
