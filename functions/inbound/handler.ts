import type { SESEvent } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { S3RawMailStore } from '../adapters/s3-raw-mail-store.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { inboundMail } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { inbound as manifest } from '../config/stages/inbound.js';
import { publishedEventTypes } from '../domain/integration-events.js';
import { ReplyTokens } from '../domain/reply-token.js';
import { type InboundMailDeps, rawMailKey, receiveMail } from './inbound.js';

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const secrets = new SecretsManagerSecretStore();
const mail = new S3RawMailStore(env.INBOUND_BUCKET);
const cases = new DynamoCaseRepository(env.SURVEY_TABLE);
// FollowUpCustomerReplied goes on the bus only when the catalog publishes it (the publisher drops the others).
const events = new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(loadRuntimeCatalog()));
// The key is read on the first message (once per cold start), not at init: a failed read is retried with the invocation.
let tokens: ReplyTokens | undefined;

/**
 * SES's receipt rule, after its S3 action stored the message: each record is one message for the
 * inbound domain. A failure throws, so Lambda retries the invocation (twice), then keeps it on the
 * stage's failure queue with the error; what was recorded stays recorded (one entry per Message-ID).
 */
export const handler = stageHandler(async (event: SESEvent) => {
  tokens ??= new ReplyTokens(await secrets.read(env.REPLY_TOKEN_SECRET));
  const deps: InboundMailDeps = {
    mail,
    cases,
    tokens,
    events,
    domain: env.INBOUND_DOMAIN,
    senderEmail: env.SENDER_EMAIL,
    now: () => new Date(),
  };
  for (const record of event.Records) {
    const { mail: received, receipt } = record.ses;
    const outcome = await receiveMail(
      {
        messageId: received.messageId,
        source: received.source,
        recipients: receipt.recipients,
        virusVerdict: receipt.virusVerdict?.status,
        spamVerdict: receipt.spamVerdict?.status,
      },
      rawMailKey(inboundMail.prefix, received.messageId),
      deps,
    );
    // Addresses and text are personal data: the log names the message and the case, never the sender.
    const details = { messageId: received.messageId, spamVerdict: receipt.spamVerdict?.status, ...outcome };
    if (outcome.status === 'recorded') {
      logger.info('customer reply recorded', details);
      count('CustomerReplyRecorded');
    } else if (outcome.status === 'duplicate') {
      logger.info('customer reply already recorded (same Message-ID)', details);
    } else if (outcome.status === 'ignored') {
      logger.info(`inbound mail ignored: ${outcome.reason}`, details);
      count('InboundMailIgnored');
    } else {
      logger.warn(`inbound mail dropped: ${outcome.reason}`, details);
      count('InboundMailDropped');
    }
  }
});
