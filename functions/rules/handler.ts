import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { DynamoInvitationRepository, fromAttributeMap } from '../adapters/dynamo-invitation-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { logger, loggingFailures, stageCounter, stageHandler } from '../adapters/observability.js';
import { SqsDeadLetterSink, SqsFollowUpPublisher } from '../adapters/sqs-queues.js';
import { ENV, MissingConfigurationError } from '../config/env.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { rules as manifest } from '../config/stages/rules.js';
import { type IntegrationEvent, publishedEventTypes } from '../domain/integration-events.js';
import { type FollowUpDeps, rated, responseChange, routeResponse, UnroutableRecordError } from './rules.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const queueUrls = env.FOLLOW_UP_QUEUE_URLS;
const missingQueues = Object.keys(catalog.followUpQueues).filter((queue) => !queueUrls[queue]);
if (missingQueues.length) {
  throw new MissingConfigurationError(`${ENV.FOLLOW_UP_QUEUE_URLS} has no URL for: ${missingQueues.join(', ')}`);
}
const slaScale = env.SLA_TIME_SCALE;

const deps: FollowUpDeps = {
  catalog,
  cases: new DynamoCaseRepository(env.SURVEY_TABLE),
  publisher: new SqsFollowUpPublisher(queueUrls),
  contacts: new DynamoInvitationRepository(env.SURVEY_TABLE),
  timing: { slaScale, caseApiBaseUrl: env.CASE_API_URL },
  now: () => new Date(),
  inbound: Boolean(env.INBOUND_DOMAIN),
};
const integrationEvents = new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog));
const poison = new SqsDeadLetterSink(env.RULES_FAILURE_QUEUE_URL, 'rules');
const processor = new BatchProcessor(EventType.DynamoDBStreams);

// The stream and aws-lambda types describe the same DynamoDB attribute-value JSON.
const image = (value: unknown) => fromAttributeMap(value as Record<string, AttributeValue> | undefined);

/**
 * DynamoDB stream → follow-up cases and queues. A failing record is reported alone; bisection
 * isolates it. The batch's integration events go out together at the end.
 */
export const handler = stageHandler(async (event: DynamoDBStreamEvent, context: Context) => {
  const announcements: IntegrationEvent[] = [];
  const response = await processPartialResponse(
    event,
    loggingFailures(
      'Rules',
      'RulesRecordFailed',
      (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber,
      async (record: DynamoDBRecord) => {
        const change = responseChange(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
        if (!change) return;
        let routed;
        try {
          routed = await routeResponse(change.invitation, deps, change.kind === 'changed' ? change.previous : undefined);
        } catch (error) {
          // A record that can never succeed is kept with its reason, alone, instead of blocking its shard in retries.
          if (!(error instanceof UnroutableRecordError)) throw error;
          logger.error('stream record set aside', { sequenceNumber: record.dynamodb?.SequenceNumber, reason: error.message });
          count('RulesRecordSetAside');
          await poison.reject(JSON.stringify(record), error.message);
          return;
        }
        // Counted once routed: a record set aside is not a response.
        count(change.kind === 'first' ? 'ResponseRecorded' : 'ResponseChanged');
        if (change.kind === 'first' && rated(change.invitation, change.invitation.response).classification === 'detractor') {
          count('DetractorRecorded');
        }
        for (const followUp of routed.cases) {
          logger.info('follow-up opened', { caseId: followUp.caseId, programId: followUp.programId, rule: followUp.rule, queue: followUp.queue });
          count('FollowUpOpened');
        }
        announcements.push(...routed.events);
      },
    ),
    processor,
    { context },
  );
  await integrationEvents.publish(announcements);
  return response;
});
