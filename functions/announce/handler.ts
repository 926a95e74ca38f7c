import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoAnnouncements } from '../adapters/dynamo-announcements.js';
import { logger, loggingFailures, stageCounter, stageHandler } from '../adapters/observability.js';
import { SesSurveyMailer } from '../adapters/ses-survey-mailer.js';
import { SqsAnnouncementQueue } from '../adapters/sqs-announcements.js';
import { ANNOUNCE_LEASE_SECONDS } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { announce as manifest } from '../config/stages/announce.js';
import { type AnnouncementJob, type PlanDeps, type SendDeps, sendAnnouncement } from './announce.js';
import { handleAnnouncementRequest } from './http.js';

const catalog = loadRuntimeCatalog();
const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const store = new DynamoAnnouncements(env.SURVEY_TABLE);

const planDeps: PlanDeps = { catalog, reader: store, queue: new SqsAnnouncementQueue(env.ANNOUNCE_QUEUE_URL) };
const sendDeps: SendDeps = {
  brand: catalog.brand,
  locales: catalog.locales,
  records: store,
  mailer: new SesSurveyMailer({ senderEmail: env.SENDER_EMAIL, supportEmail: env.SUPPORT_EMAIL, configurationSet: env.CONFIGURATION_SET }),
  publicBaseUrl: env.PUBLIC_BASE_URL,
  now: () => new Date(),
  leaseSeconds: ANNOUNCE_LEASE_SECONDS,
  keepDays: catalog.retention.responseDays,
};
const processor = new BatchProcessor(EventType.SQS);

async function sendRecord(record: SQSRecord): Promise<void> {
  // A body that is not a job is a bug, not a transient fault: it fails every receive and lands in the DLQ with its body.
  const job = JSON.parse(record.body) as AnnouncementJob;
  const outcome = await sendAnnouncement(job, sendDeps);
  const keys = { announcementId: job.announcementId, programId: job.programId, locale: job.locale };
  if (outcome.status === 'sent') {
    logger.info('announcement sent', keys);
    count('AnnouncementSent');
    if (!outcome.marked) count('AnnouncementMarkFailed');
  } else if (outcome.status === 'skipped') {
    logger.info('announcement skipped', { ...keys, reason: outcome.reason });
    count('AnnouncementSkipped');
  }
}

/**
 * The announce stage ("you said, we did", docs/announcements.md): POST /announcements selects the
 * recipients and queues one message each; the queue's messages are sent here, each at most once per
 * announcement and person, paced by the event source's maximum concurrency. A failing message is
 * retried by the queue and, after its receives, kept in the announce dead-letter queue.
 */
export const handler = stageHandler(async (event: SQSEvent | APIGatewayProxyEventV2, context: Context) => {
  if (!('Records' in event)) {
    return handleAnnouncementRequest(event, planDeps, (actor, plan) => {
      logger.info('announcement planned', { actor, ...plan });
      if (!plan.dryRun) count('AnnouncementQueued', plan.recipients);
    });
  }
  return processPartialResponse(
    event,
    loggingFailures('Announce', 'AnnounceRecordFailed', (record: SQSRecord) => record.messageId, sendRecord),
    processor,
    { context },
  );
});
