import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoInvitationRepository } from '../adapters/dynamo-invitation-repository.js';
import { DynamoReminderRepository } from '../adapters/dynamo-reminders.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { EventBridgeSurveyScheduler } from '../adapters/eventbridge-scheduler.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { SendPacer } from '../adapters/send-pacer.js';
import { SesSurveyMailer, sesClient } from '../adapters/ses-survey-mailer.js';
import { SqsDeadLetterSink } from '../adapters/sqs-queues.js';
import type { StageMetric } from '../config/metrics.js';
import { DISPATCH_LEASE_SECONDS } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { dispatch as manifest } from '../config/stages/dispatch.js';
import { type IntegrationEvent, publishedEventTypes } from '../domain/integration-events.js';
import { newToken } from '../domain/tokens.js';
import { type DispatchDeps, type DispatchOutcome, dispatchEvent, SendInProgressError } from './dispatch.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv(manifest);
const count = stageCounter(manifest);

const repository = new DynamoInvitationRepository(env.SURVEY_TABLE);
const deps: DispatchDeps = {
  catalog,
  invitations: repository,
  contacts: repository,
  mailer: new SesSurveyMailer(
    { senderEmail: env.SENDER_EMAIL, supportEmail: env.SUPPORT_EMAIL, configurationSet: env.CONFIGURATION_SET },
    sesClient,
    new SendPacer(env.SES_SEND_RATE),
  ),
  scheduler: new EventBridgeSurveyScheduler({
    groupName: env.SCHEDULE_GROUP,
    targetArn: env.SCHEDULE_TARGET_ARN,
    roleArn: env.SCHEDULE_ROLE_ARN,
    deadLetterArn: env.SCHEDULE_DEAD_LETTER_ARN,
  }),
  reminders: new DynamoReminderRepository(env.SURVEY_TABLE),
  deadLetters: new SqsDeadLetterSink(env.DISPATCH_FAILURE_QUEUE_URL, 'dispatch'),
  publicBaseUrl: env.PUBLIC_BASE_URL,
  now: () => new Date(),
  newToken,
  leaseSeconds: DISPATCH_LEASE_SECONDS,
};
const integrationEvents = new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog));
const processor = new BatchProcessor(EventType.SQS);

const METRIC: Record<DispatchOutcome['status'], StageMetric<'dispatch'>> = {
  sent: 'SurveySent',
  scheduled: 'SurveyScheduled',
  skipped: 'SurveySkipped',
  'not-in-audience': 'SurveyNotApplicable',
  'cancelled-pending': 'SurveyCancelled',
  rejected: 'EventRejected',
  reminded: 'ReminderSent',
  'reminder-skipped': 'ReminderSkipped',
  'reminder-deferred': 'ReminderScheduled',
};

function observe(outcome: DispatchOutcome, record: SQSRecord): void {
  count(METRIC[outcome.status]);
  if (outcome.status === 'sent' && outcome.resent) count('SurveyResent');
  if (outcome.status === 'skipped' && outcome.reason === 'event-id-reused') count('EventIdReused');
  if (outcome.status === 'sent' && outcome.reminder) count(outcome.reminder === 'scheduled' ? 'ReminderScheduled' : 'ReminderHeldOut');
  if (outcome.status === 'reminded' && !outcome.marked) count('SentMarkFailed');
  // The email went out but its mark did not land: another delivery of the event would send it again.
  if (outcome.status === 'sent' && !outcome.marked) count('SentMarkFailed');
  if (outcome.status === 'rejected') {
    logger.warn('event rejected to the dead-letter queue', { messageId: record.messageId, reason: outcome.reason });
    return;
  }
  const { events: _events, ...fields } = outcome;
  logger.info(`dispatch: ${outcome.status}`, fields);
}

/**
 * SQS buffer → surveys. Failed records are reported one by one so only they are retried. The
 * batch's integration events go out in one PutEvents call per 10; if that fails the batch is
 * retried, and the re-delivered events announce themselves as duplicates.
 */
export const handler = stageHandler(async (event: SQSEvent, context: Context) => {
  const announcements: IntegrationEvent[] = [];
  const response = await processPartialResponse(
    event,
    async (record: SQSRecord) => {
      let outcomes: DispatchOutcome[];
      try {
        outcomes = await dispatchEvent(record.body, deps);
      } catch (error) {
        if (error instanceof SendInProgressError) {
          // Expected while another delivery holds the survey's lease: the record comes back after it.
          logger.warn('dispatch deferred: the survey is held by another delivery', {
            messageId: record.messageId,
            receiveCount: record.attributes.ApproximateReceiveCount,
          });
          count('SendDeferred');
          throw error;
        }
        // Logged for operators, then rethrown: the record is reported and retried, in the end dead-lettered.
        const name = error instanceof Error ? error.name : 'Error';
        logger.error('dispatch failed; the record will be retried', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error,
        });
        count(name === 'SendingPausedException' || name === 'AccountSuspendedException' ? 'SendingPaused' : 'DispatchFailed');
        throw error;
      }
      for (const outcome of outcomes) {
        observe(outcome, record);
        announcements.push(...outcome.events);
      }
    },
    processor,
    { context },
  );
  await integrationEvents.publish(announcements);
  return response;
});
