import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isTransientAwsError } from '../adapters/aws-errors.js';
import { DynamoInvitationRepository } from '../adapters/dynamo-invitation-repository.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import type { StageMetric } from '../config/metrics.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { respond as manifest } from '../config/stages/respond.js';
import { pageStamps } from '../domain/page-stamp.js';
import { handleHttp, TEXT_HEADERS } from './http.js';
import type { RespondDeps, View } from './respond.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const repository = new DynamoInvitationRepository(env.SURVEY_TABLE);
const secrets = new SecretsManagerSecretStore();
/** The signing key is read on the first request of a cold start (the store keeps it), not per request. */
const depsWithKey = async (): Promise<RespondDeps> => ({
  catalog,
  invitations: repository,
  contacts: repository,
  now: () => new Date(),
  stamps: pageStamps(await secrets.read(env.PAGE_SIGNING_SECRET)),
});
const pageSettings = { brand: catalog.brand, locales: catalog.locales, supportEmail: env.SUPPORT_EMAIL, publicBaseUrl: env.PUBLIC_BASE_URL };

/** What a POST ended in; an invalid link is counted on every method (probing shows up). */
const POST_METRIC: Partial<Record<View['view'], StageMetric<'respond'>>> = {
  thanks: 'RatingSubmitted',
  confirm: 'RatingConfirmationShown',
  unsubscribed: 'Unsubscribed',
};

/**
 * DynamoDB throttled or failed even after the SDK's retries. Said as it is, with a 503 the browser
 * or client may retry, rather than API Gateway's opaque 500: sending the form again is safe (an
 * answer that did land is found and thanked for, never stored twice).
 */
const UNAVAILABLE: APIGatewayProxyStructuredResultV2 = {
  statusCode: 503,
  headers: { ...TEXT_HEADERS, 'retry-after': '1' },
  body: 'Service busy: your answer may not have been recorded. Please send it again in a moment.',
};

/** HTTP API (payload v2) → rating and unsubscribe pages. GET and HEAD only read; POST writes. */
export const handler = stageHandler(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  let handled: Awaited<ReturnType<typeof handleHttp>>;
  try {
    handled = await handleHttp(event, await depsWithKey(), pageSettings);
  } catch (error) {
    if (!isTransientAwsError(error)) throw error;
    logger.warn('respond: the table or the key store is busy; answered 503', { method: event.requestContext.http.method, error: (error as Error).name });
    count('RespondUnavailable');
    return event.requestContext.http.method === 'HEAD' ? { ...UNAVAILABLE, body: '' } : UNAVAILABLE;
  }
  const { response, view } = handled;
  const posted = event.requestContext.http.method === 'POST';
  const metric = view === 'invalid' ? 'InvalidLink' : posted && view ? POST_METRIC[view] : undefined;
  if (metric) count(metric);
  return response;
});
