import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoNotificationOutbox } from '../adapters/dynamo-notification-outbox.js';
import { logger, loggingFailures, stageCounter, stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { SesSurveyMailer } from '../adapters/ses-survey-mailer.js';
import { items } from '../adapters/table-items.js';
import { NOTIFY_LEASE_SECONDS } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { notify as manifest } from '../config/stages/notify.js';
import { NOTIFICATION_KINDS, type Notification } from '../domain/notification.js';
import { ReplyTokens } from '../domain/reply-token.js';
import { type NotifyDeps, sendNotification } from './notify.js';

const catalog = loadRuntimeCatalog();
const env = readStageEnv(manifest);
const count = stageCounter(manifest);

const deps: NotifyDeps = {
  brand: catalog.brand,
  locales: catalog.locales,
  outbox: new DynamoNotificationOutbox(env.SURVEY_TABLE),
  mailer: new SesSurveyMailer({ senderEmail: env.SENDER_EMAIL, supportEmail: env.SUPPORT_EMAIL, configurationSet: env.CONFIGURATION_SET }),
  publicBaseUrl: env.PUBLIC_BASE_URL,
  now: () => new Date(),
  leaseSeconds: NOTIFY_LEASE_SECONDS,
  linkDays: catalog.retention.caseDays,
  ...(env.INBOUND_DOMAIN && env.REPLY_TOKEN_SECRET ? { inbound: replyAddresses(env.INBOUND_DOMAIN, env.REPLY_TOKEN_SECRET, env.SUPPORT_EMAIL) } : {}),
  ...(env.WORKSPACE_URL ? { workspaceUrl: env.WORKSPACE_URL } : {}),
};
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** With `inbound`: every email's Reply-To is `reply+<token>@<domain>`, the key read once per cold start (again after a failed read). */
function replyAddresses(domain: string, secretId: string, supportEmail: string): NonNullable<NotifyDeps['inbound']> {
  const secrets = new SecretsManagerSecretStore();
  let tokens: ReplyTokens | undefined;
  return {
    supportEmail,
    replyTo: async (caseId) => {
      // A case id of another shape (made by hand, not by Closeloop) keeps the support address.
      if (!ReplyTokens.isCaseId(caseId)) return undefined;
      tokens ??= new ReplyTokens(await secrets.read(secretId));
      return tokens.addressFor(caseId, domain);
    },
  };
}

/** A newly written outbox item, from its stream record; anything else (other items, later changes of it) is not ours. */
function notificationOf(record: DynamoDBRecord): Notification | undefined {
  if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) return undefined;
  // The stream and aws-lambda types describe the same DynamoDB attribute-value JSON.
  const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
  if (item.type !== 'notification' || item.status !== 'pending' || !NOTIFICATION_KINDS.includes(item.kind)) return undefined;
  return items.notification(item);
}

/**
 * DynamoDB stream (outbox items, filtered by the event source) → respondent emails through SES. A
 * failing record is reported alone and retried (bisection); after the retries, its description goes
 * to the notify-failures queue, the event source's on-failure destination.
 */
export const handler = stageHandler(async (event: DynamoDBStreamEvent, context: Context) =>
  processPartialResponse(
    event,
    loggingFailures(
      'Notify',
      'NotifyRecordFailed',
      (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber,
      async (record: DynamoDBRecord) => {
        const notification = notificationOf(record);
        if (!notification) return;
        const outcome = await sendNotification(notification, deps, record.eventID);
        const keys = { caseId: notification.caseId, notification: notification.kind, programId: notification.programId };
        if (outcome.status === 'sent') {
          logger.info('notification sent', keys);
          count('NotificationSent');
          if (!outcome.marked) count('NotificationMarkFailed');
        } else if (outcome.status === 'skipped') {
          logger.info('notification skipped', { ...keys, reason: outcome.reason });
          count('NotificationSkipped');
        }
      },
    ),
    processor,
    { context },
  ),
);
