import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoAggregateStore } from '../adapters/dynamo-aggregate-store.js';
import { DynamoInvitationRepository } from '../adapters/dynamo-invitation-repository.js';
import { logger, loggingFailures, stageCounter, stageHandler } from '../adapters/observability.js';
import { SqsDeadLetterSink } from '../adapters/sqs-queues.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { deliverability as manifest } from '../config/stages/deliverability.js';
import { type DeliverabilityDeps, feedbackCounter, recordFeedback } from './deliverability.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const deps: DeliverabilityDeps = {
  catalog,
  contacts: new DynamoInvitationRepository(env.SURVEY_TABLE),
  aggregates: new DynamoAggregateStore(env.SURVEY_TABLE),
  deadLetters: new SqsDeadLetterSink(env.DELIVERABILITY_FAILURE_QUEUE_URL, 'deliverability'),
};
const processor = new BatchProcessor(EventType.SQS);

const METRIC = { bouncedHard: 'EmailBounced', bouncedSoft: 'EmailSoftBounced', complained: 'EmailComplained' } as const;

/**
 * SES bounce and complaint events (default bus → rule → feedback queue) → suppressed contacts and
 * per-program counters. A failing record is retried alone, then dead-lettered.
 */
export const handler = stageHandler(async (event: SQSEvent, context: Context) =>
  processPartialResponse(
    event,
    loggingFailures(
      'Deliverability',
      'DeliverabilityRecordFailed',
      (record: SQSRecord) => record.messageId,
      async (record: SQSRecord) => {
        const outcome = await recordFeedback(record.body, deps);
        if (outcome.status === 'rejected') {
          logger.warn('feedback rejected to the dead-letter queue', { messageId: record.messageId, reason: outcome.reason });
          count('FeedbackRejected');
          return;
        }
        const { feedback } = outcome;
        // Addresses are personal data: the log names the notification and program, never the recipients.
        logger.info(`deliverability: ${feedback.type} ${outcome.status}`, {
          feedbackId: feedback.feedbackId,
          programId: feedback.programId,
          permanent: feedback.permanent,
          subType: feedback.subType,
          recipients: feedback.recipients.length,
        });
        if (outcome.status === 'recorded') count(METRIC[feedbackCounter(feedback)], feedback.recipients.length);
      },
    ),
    processor,
    { context },
  ),
);
