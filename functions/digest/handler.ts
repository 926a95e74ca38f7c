import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DynamoAggregateStore } from '../adapters/dynamo-aggregate-store.js';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { DynamoDigestLedger } from '../adapters/dynamo-digest-ledger.js';
import { HttpWebhookSender } from '../adapters/http-webhook-sender.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { SesSurveyMailer } from '../adapters/ses-survey-mailer.js';
import { DIGEST_LEASE_SECONDS, followUpQueueNames } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { digest as manifest } from '../config/stages/digest.js';
import { DigestDeliveryError, type DigestDeps, type DigestOutcome, type DigestRequest, sendDigest } from './digest.js';
import { handleSendRequest } from './http.js';

const catalog = loadRuntimeCatalog();
const env = readStageEnv(manifest);
const count = stageCounter(manifest);

// Module scope: the Slack URLs are read once per cold start, then served from the store's cache.
const deps: DigestDeps = {
  catalog,
  aggregates: new DynamoAggregateStore(env.SURVEY_TABLE),
  overdue: new DynamoCaseRepository(env.SURVEY_TABLE),
  queues: followUpQueueNames(catalog),
  ledger: new DynamoDigestLedger(env.SURVEY_TABLE),
  secrets: new SecretsManagerSecretStore(),
  sender: new HttpWebhookSender(),
  mailer: new SesSurveyMailer({ senderEmail: env.SENDER_EMAIL, supportEmail: env.SUPPORT_EMAIL, configurationSet: env.CONFIGURATION_SET }),
  supportEmail: env.SUPPORT_EMAIL,
  leaseSeconds: DIGEST_LEASE_SECONDS,
  now: () => new Date(),
};

/** What the schedule's target passes (its `Input`). */
export interface ScheduledDigest {
  readonly digestId: string;
}

async function send(request: DigestRequest): Promise<DigestOutcome> {
  logger.appendKeys({ digestId: request.digestId });
  try {
    const outcome = await sendDigest(request, deps);
    const sent = outcome.recipients.filter((r) => r.status === 'sent').length;
    if (sent) count('DigestSent', sent);
    logger.info('digest sent', {
      week: outcome.week.from,
      recipients: outcome.recipients.map((r) => ({ status: r.status, ...('reason' in r ? { reason: r.reason } : {}) })),
    });
    return outcome;
  } catch (error) {
    if (error instanceof DigestDeliveryError) {
      count('DigestFailed');
      logger.error('digest not sent to every recipient', { reason: error.message });
    }
    throw error;
  }
}

/**
 * The digest stage: an EventBridge Scheduler schedule per catalog digest invokes it with
 * `{ "digestId" }` (a failure is retried by Lambda's asynchronous invocation, then described on the
 * digest dead-letter queue); POST /digests/{digestId}/send (IAM) sends one now.
 */
export const handler = stageHandler(async (event: ScheduledDigest | APIGatewayProxyEventV2, _context: Context) => {
  if ('requestContext' in event) {
    return handleSendRequest(event, send, (actor, outcome) => logger.info('digest sent on request', { actor, week: outcome.week.from }));
  }
  if (typeof event?.digestId !== 'string') throw new Error('the digest stage was invoked without a digestId');
  return send({ digestId: event.digestId });
});
