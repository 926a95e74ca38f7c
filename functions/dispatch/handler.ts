import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoInvitationRepository } from '../adapters/dynamo-invitation-repository.js';
import { logger, metrics, publishMetrics } from '../adapters/observability.js';
import { SesSurveyMailer } from '../adapters/ses-survey-mailer.js';
import { SqsDeadLetterSink } from '../adapters/sqs-queues.js';
import { catalog } from '../config/catalog.js';
import { readEnv } from '../config/env.js';
import { newToken } from '../domain/tokens.js';
import { dispatchEvent, type DispatchDeps } from './dispatch.js';

const env = readEnv(['SURVEY_TABLE', 'SENDER_EMAIL', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'CONFIGURATION_SET', 'DEAD_LETTER_QUEUE_URL']);

const deps: DispatchDeps = {
  catalog,
  invitations: new DynamoInvitationRepository(env.SURVEY_TABLE),
  mailer: new SesSurveyMailer({ senderEmail: env.SENDER_EMAIL, supportEmail: env.SUPPORT_EMAIL, configurationSet: env.CONFIGURATION_SET }),
  deadLetters: new SqsDeadLetterSink(env.DEAD_LETTER_QUEUE_URL, 'dispatch'),
  publicBaseUrl: env.PUBLIC_BASE_URL,
  now: () => new Date(),
  newToken,
};

const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  for (const outcome of await dispatchEvent(record.body, deps)) {
    switch (outcome.status) {
      case 'sent':
        logger.info('survey sent', { programId: outcome.programId, eventId: outcome.eventId, messageId: outcome.messageId });
        metrics.addMetric('SurveySent', MetricUnit.Count, 1);
        break;
      case 'duplicate':
        logger.info('duplicate event, survey already sent', { programId: outcome.programId, eventId: outcome.eventId });
        metrics.addMetric('SurveyDuplicateSkipped', MetricUnit.Count, 1);
        break;
      case 'rejected':
        logger.warn('event rejected to the dead-letter queue', { messageId: record.messageId, reason: outcome.reason });
        metrics.addMetric('EventRejected', MetricUnit.Count, 1);
        break;
    }
  }
}

/** SQS buffer → surveys. Failed records are reported one by one so only they are retried. */
export const handler = middy((event: SQSEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context }))
  .use(injectLambdaContext(logger))
  .use(publishMetrics());
