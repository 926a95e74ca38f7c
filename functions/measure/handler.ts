import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoAggregateStore } from '../adapters/dynamo-aggregate-store.js';
import { fromItem } from '../adapters/dynamo-invitation-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { logger, loggingFailures, stageCounter, stageHandler } from '../adapters/observability.js';
import { SqsDeadLetterSink } from '../adapters/sqs-queues.js';
import { CorruptItemError, items } from '../adapters/table-items.js';
import type { StageMetric } from '../config/metrics.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { measure as manifest } from '../config/stages/measure.js';
import { type IntegrationEvent, publishedEventTypes } from '../domain/integration-events.js';
import type { CounterChange } from '../ports.js';
import { type Change, countersOf, evaluateAlerts, type MeasureDeps, type Touched, UnmeasurableChangeError } from './measure.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const deps: MeasureDeps = { catalog, aggregates: new DynamoAggregateStore(env.SURVEY_TABLE), now: () => new Date() };
const integrationEvents = new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog));
/** The stream stages' on-failure queue: records set aside carry `stage: measure` and their reason. */
const poison = new SqsDeadLetterSink(env.MEASURE_FAILURE_QUEUE_URL, 'measure');
const processor = new BatchProcessor(EventType.DynamoDBStreams);

const plain = (image: unknown) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);
const asCase = (item: Record<string, unknown> | undefined) => (item?.type === 'case' ? items.case(item) : undefined);

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
 * alerts. The rules stage reads the same stream; each keeps its own position. The batch's records
 * are read one by one, then counted together: one marker per change and one update per bucket the
 * batch touches (a failure throws the batch, whose retry finds the applied changes' markers). A
 * corrupted record is set aside on the stream stages' failure queue with its reason.
 */
export const handler = stageHandler(async (event: DynamoDBStreamEvent, context: Context) => {
  const touched: Touched[] = [];
  const counters: CounterChange[] = [];
  const setAside: { record: DynamoDBRecord; reason: string }[] = [];
  const response = await processPartialResponse(
    event,
    loggingFailures(
      'Measure',
      'MeasureRecordFailed',
      (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber,
      async (record: DynamoDBRecord) => {
        try {
          const change = read(record);
          if (!change) return;
          const counted = countersOf(change, deps);
          counters.push(...counted.counters);
          touched.push(...counted.touched);
        } catch (error) {
          // A record that can never be counted is kept with its reason, alone, instead of blocking its shard in retries.
          if (!(error instanceof UnmeasurableChangeError || error instanceof CorruptItemError)) throw error;
          setAside.push({ record, reason: error.message });
        }
      },
    ),
    processor,
    { context },
  );
  if (counters.length) await deps.aggregates.applyAll(counters);
  for (const { record, reason } of setAside) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    logger.error('stream record set aside', { sequenceNumber, reason });
    count('MeasureRecordSetAside');
    try {
      await poison.reject(JSON.stringify(record), reason);
    } catch (error) {
      // Not set aside: the record is retried (and counted again as a duplicate, which changes nothing).
      logger.error('stream record not set aside', { sequenceNumber, error: (error as Error).message });
      if (sequenceNumber) response.batchItemFailures.push({ itemIdentifier: sequenceNumber });
    }
  }
  const alerts: IntegrationEvent[] = await evaluateAlerts(touched, deps);
  for (const alert of alerts) {
    logger.warn(`rolling score: ${alert.detailType}`, alert.detail);
    count(alert.detailType as StageMetric<'measure'> & IntegrationEvent['detailType']);
  }
  await integrationEvents.publish(alerts);
  return response;
});
