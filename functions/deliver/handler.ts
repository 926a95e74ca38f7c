import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { DynamoDeliveryLog } from '../adapters/dynamo-delivery-log.js';
import { HttpWebhookSender } from '../adapters/http-webhook-sender.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { SqsDeliveryQueues } from '../adapters/sqs-delivery.js';
import { SqsDeadLetterSink } from '../adapters/sqs-queues.js';
import { ENV, MissingConfigurationError } from '../config/env.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { deliver as manifest } from '../config/stages/deliver.js';
import { type DeliverDeps, deliver, parseDeliverable, UndeliverableMessageError } from './deliver.js';
import { handleReplayRequest } from './http.js';

const catalog = loadRuntimeCatalog();
const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const integrations = new Map((catalog.integrations ?? []).map((integration) => [integration.id, integration]));
const queueUrls = env.INTEGRATION_QUEUE_URLS;
const missingQueues = [...integrations.keys()].filter((id) => !queueUrls[id]);
if (missingQueues.length) throw new MissingConfigurationError(`${ENV.INTEGRATION_QUEUE_URLS} has no URL for: ${missingQueues.join(', ')}`);
const retryScale = env.RETRY_DELAY_SCALE;

const queues = new SqsDeliveryQueues(queueUrls);
const log = new DynamoDeliveryLog(env.SURVEY_TABLE);
const http = new HttpWebhookSender();
// Module scope: each secret is read once per cold start, then served from the store's cache.
const deps: DeliverDeps = {
  integrations,
  secrets: new SecretsManagerSecretStore(),
  sender: http,
  http,
  log,
  cases: new DynamoCaseRepository(env.SURVEY_TABLE),
  deadLetters: new SqsDeadLetterSink(env.DELIVER_FAILURE_QUEUE_URL, 'deliver'),
  retryScale,
  now: () => new Date(),
};
const poison = new SqsDeadLetterSink(env.DELIVER_FAILURE_QUEUE_URL, 'deliver');
const processor = new BatchProcessor(EventType.SQS);

/** Raised for a delivery that waits out its backoff: the record is reported failed, its visibility already set. */
class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

async function deliverRecord(record: SQSRecord): Promise<void> {
  const integrationId = queues.integrationOf(record.eventSourceARN);
  const integration = integrationId === undefined ? undefined : integrations.get(integrationId);
  try {
    if (!integration) throw new UndeliverableMessageError(`no integration of the catalog reads the queue ${record.eventSourceARN.split(':').pop()}`);
    const event = parseDeliverable(record.body);
    const attempt = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
    count('IntegrationAttempted');
    const result = await deliver(integration, event, attempt, deps);
    logger.info('delivery attempt', { integrationId, webhookId: result.webhookId, attempt, outcome: result.outcome, result: result.result });
    if (result.outcome === 'retry') {
      count('IntegrationRetryScheduled');
      await queues.retryIn(integration.id, record.receiptHandle, result.retryInSeconds);
      throw new RetryLaterError(`${result.webhookId}: ${result.result}; retry in ${result.retryInSeconds} s`);
    }
    count(result.outcome === 'delivered' ? 'IntegrationDelivered' : result.outcome === 'rejected' ? 'IntegrationRejected' : 'IntegrationDeadLettered');
  } catch (error) {
    if (!(error instanceof UndeliverableMessageError)) throw error;
    // A message that can never be delivered is kept with its reason instead of being retried for a day.
    logger.error('delivery message set aside', { messageId: record.messageId, reason: error.message });
    count('IntegrationDeadLettered');
    await poison.reject(record.body, error.message);
  }
}

/**
 * The deliver stage: the integrations' queues (one per integration, fed by bus rules on Closeloop's
 * own events) → signed webhooks, Slack messages and Zendesk tickets; and POST /integrations/{id}/replay.
 */
export const handler = stageHandler(async (event: SQSEvent | APIGatewayProxyEventV2, context: Context) => {
  if (!('Records' in event)) {
    return handleReplayRequest(event, { integrations, log, queue: queues }, (actor, integrationId, replayed) => {
      logger.info('deliveries replayed', { actor, integrationId, replayed });
      count('IntegrationReplayed', replayed);
    });
  }
  // A batch whose every delivery waits out a backoff is an answer, not an error: each message already has its visibility.
  return processPartialResponse(event, deliverRecord, processor, { context, throwOnFullBatchFailure: false });
});
