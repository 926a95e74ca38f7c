import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoAggregateStore } from '../adapters/dynamo-aggregate-store.js';
import { fromItem } from '../adapters/dynamo-invitation-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { loggingFailures, logger, publishMetrics, stageCounter, stageHandler } from '../adapters/observability.js';
import { SqsDeadLetterSink } from '../adapters/sqs-queues.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import type { StageMetric } from '../config/metrics.js';
import { readStageEnv } from '../config/wiring.js';
import type { FollowUpCaseRecord } from '../domain/follow-up-case.js';
import type { IntegrationEvent } from '../domain/integration-events.js';
import { evaluateAlerts, measureChange, UnmeasurableChangeError, type Change, type MeasureDeps, type Touched } from './measure.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv('measure');
const count = stageCounter('measure');
const deps: MeasureDeps = { catalog, aggregates: new DynamoAggregateStore(env.SURVEY_TABLE), now: () => new Date() };
const integrationEvents = new EventBridgePublisher(env.EVENT_BUS_NAME);
/** The stream stages' on-failure queue: records set aside carry `stage: measure` and their reason. */
const poison = new SqsDeadLetterSink(env.RULES_FAILURE_QUEUE_URL, 'measure');
const processor = new BatchProcessor(EventType.DynamoDBStreams);

const plain = (image: unknown) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);
const asCase = (item: Record<string, unknown> | undefined) => (item?.type === 'case' ? (item as unknown as FollowUpCaseRecord) : undefined);

function read(record: DynamoDBRecord): Change | undefined {
  const before = plain(record.dynamodb?.OldImage);
  const after = plain(record.dynamodb?.NewImage);
  const type = (after ?? before)?.type;
  if (type === 'invitation') return { type, before: fromItem(before), after: fromItem(after) };
  if (type === 'case') return { type, before: asCase(before), after: asCase(after) };
  return undefined;
}

/**
 * DynamoDB stream → day buckets (sent, responses, topics, cases, root causes, SLA) and rolling-score
 * alerts. The rules stage reads the same stream; each keeps its own position. A corrupted record
 * is set aside on the stream stages' failure queue with its reason; other failures are retried.
 */
export const handler = stageHandler(async (event: DynamoDBStreamEvent, context: Context) => {
  const touched: Touched[] = [];
  const response = await processPartialResponse(
    event,
    loggingFailures(
      'Measure',
      'MeasureRecordFailed',
      (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber,
      async (record: DynamoDBRecord) => {
        const change = read(record);
        if (!change) return;
        try {
          touched.push(...(await measureChange(change, deps)));
        } catch (error) {
          // A record that can never be counted is kept with its reason, alone, instead of blocking its shard in retries.
          if (!(error instanceof UnmeasurableChangeError)) throw error;
          logger.error('stream record set aside', { sequenceNumber: record.dynamodb?.SequenceNumber, reason: error.message });
          count('MeasureRecordSetAside');
          await poison.reject(JSON.stringify(record), error.message);
        }
      },
    ),
    processor,
    { context },
  );
  const alerts: IntegrationEvent[] = await evaluateAlerts(touched, deps);
  for (const alert of alerts) {
    logger.warn(`rolling score: ${alert.detailType}`, alert.detail);
    count(alert.detailType as StageMetric<'measure'> & IntegrationEvent['detailType']);
  }
  await integrationEvents.publish(alerts);
  return response;
})
  .use(injectLambdaContext(logger))
  .use(publishMetrics());
