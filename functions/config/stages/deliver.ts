import { numberIn, urlsByName } from '../env-codecs.js';
import { DELIVER_TIMEOUT_SECONDS, integrationQueueName } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** Closeloop's events delivered where teams work: one queue per catalog integration; replays on request. */
export const deliver = {
  description: 'Delivers Closeloop events to the catalog integrations (signed webhooks, Slack, Zendesk tickets); replays them on request.',
  timeoutSeconds: DELIVER_TIMEOUT_SECONDS,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: [
    'IntegrationAttempted',
    'IntegrationDelivered',
    'IntegrationRetryScheduled',
    'IntegrationRejected',
    'IntegrationDeadLettered',
    'IntegrationReplayed',
  ],
  env: ['SURVEY_TABLE', 'INTEGRATION_QUEUE_URLS', 'DELIVER_FAILURE_QUEUE_URL'],
  optionalEnv: ['RETRY_DELAY_SCALE'],
  // The sandbox compresses the retry backoff; 1 in AWS.
  codecs: { INTEGRATION_QUEUE_URLS: urlsByName, RETRY_DELAY_SCALE: numberIn(0, 1, { default: 1 }) },
  // Cases (comment and topics for Slack, the contact key of an opted-in delivery), the delivery log and its replay.
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  // The delivery log, and the case a delivery is about: no other item.
  leadingKeys: ['delivery', 'case'],
  routes: [{ methods: ['POST'], path: '/integrations/{integrationId}/replay', auth: 'iam' }],
  // The function sets a failed delivery's backoff itself (ChangeMessageVisibility).
  trigger: { kind: 'queue', queue: integrationQueueName('<id>'), perIntegration: true, batchSize: 10, handlerSetsVisibility: true },
} as const satisfies StageManifest;
