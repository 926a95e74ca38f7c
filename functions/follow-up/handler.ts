import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoInvitationRepository, fromAttributeMap } from '../adapters/dynamo-invitation-repository.js';
import { logger, metrics, publishMetrics } from '../adapters/observability.js';
import { SqsFollowUpPublisher } from '../adapters/sqs-queues.js';
import { catalog } from '../config/catalog.js';
import { ENV, MissingConfigurationError, readEnv } from '../config/env.js';
import { responseChange, routeResponse, type FollowUpDeps } from './follow-up.js';

const env = readEnv(['FOLLOW_UP_QUEUE_URLS', 'SURVEY_TABLE']);
const queueUrls = JSON.parse(env.FOLLOW_UP_QUEUE_URLS) as Record<string, string>;
const missingQueues = Object.keys(catalog.followUpQueues).filter((queue) => !queueUrls[queue]);
if (missingQueues.length) {
  throw new MissingConfigurationError(`${ENV.FOLLOW_UP_QUEUE_URLS} has no URL for: ${missingQueues.join(', ')}`);
}

const deps: FollowUpDeps = { catalog, publisher: new SqsFollowUpPublisher(queueUrls), contacts: new DynamoInvitationRepository(env.SURVEY_TABLE) };
const processor = new BatchProcessor(EventType.DynamoDBStreams);

// The stream and aws-lambda types describe the same DynamoDB attribute-value JSON.
const image = (value: unknown) => fromAttributeMap(value as Record<string, AttributeValue> | undefined);

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const change = responseChange(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
  if (!change) return;
  metrics.addMetric(change.kind === 'first' ? 'ResponseRecorded' : 'ResponseChanged', MetricUnit.Count, 1);
  const cases = await routeResponse(change.invitation, deps, change.kind === 'changed' ? change.previous : undefined);
  for (const followUp of cases) {
    logger.info('follow-up opened', { caseId: followUp.caseId, programId: followUp.programId, rule: followUp.rule, queue: followUp.queue });
    metrics.addMetric('FollowUpOpened', MetricUnit.Count, 1);
  }
}

/** DynamoDB stream → follow-up queues. A failing record is reported alone; bisection isolates it. */
export const handler = middy((event: DynamoDBStreamEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context }))
  .use(injectLambdaContext(logger))
  .use(publishMetrics());
