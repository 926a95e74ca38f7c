import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { SqsDeadLetterSink, SqsFollowUpPublisher } from '../adapters/sqs-queues.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { escalate as manifest } from '../config/stages/escalate.js';
import { publishedEventTypes } from '../domain/integration-events.js';
import { type EscalateDeps, sweep } from './escalate.js';

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const queueUrls = env.FOLLOW_UP_QUEUE_URLS;
const deps: EscalateDeps = {
  cases: new DynamoCaseRepository(env.SURVEY_TABLE),
  publisher: new SqsFollowUpPublisher(queueUrls),
  events: new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(loadRuntimeCatalog())),
  deadLetters: new SqsDeadLetterSink(env.ESCALATE_FAILURE_QUEUE_URL, 'escalate'),
  queues: Object.keys(queueUrls),
  now: () => new Date(),
};

/** Every minute (EventBridge schedule, one instance at a time): escalate the cases whose deadline passed. */
export const handler = stageHandler(async () => {
  const escalated = await sweep(deps);
  for (const message of escalated) {
    logger.info('follow-up escalated', { caseId: message.caseId, queue: message.queue, rung: message.escalation?.rung });
  }
  if (escalated.length) count('FollowUpEscalated', escalated.length);
  return { escalated: escalated.length };
});
