import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { DynamoWebhookReceipts } from '../adapters/dynamo-webhook-receipts.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { inboundAccess } from '../config/inbound.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { hooks as manifest } from '../config/stages/hooks.js';
import { publishedEventTypes } from '../domain/integration-events.js';
import { handleInboundRequest, type InboundDeps } from './http.js';

const catalog = loadRuntimeCatalog();
const env = readStageEnv(manifest);
const count = stageCounter(manifest);
// Module scope: each integration's secret is read once per cold start, then served from the store's cache.
const deps: InboundDeps = {
  catalog,
  integrations: new Map(
    (catalog.integrations ?? []).flatMap((integration) => {
      const access = inboundAccess(integration);
      return access ? [[integration.id, access] as const] : [];
    }),
  ),
  secrets: new SecretsManagerSecretStore(),
  receipts: new DynamoWebhookReceipts(env.SURVEY_TABLE),
  cases: new DynamoCaseRepository(env.SURVEY_TABLE),
  events: new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog)),
  now: () => new Date(),
};

/** Inbound hooks (public route; the Standard Webhooks signature is the authorisation): helpdesks acknowledge and resolve cases. */
export const handler = stageHandler((event: APIGatewayProxyEventV2) =>
  handleInboundRequest(event, deps, (outcome, details) => {
    if (outcome === 'unauthorised') {
      logger.warn('inbound hook refused: unauthorised', details);
      count('InboundRejected');
    } else if (outcome === 'refused') {
      logger.info('inbound hook answered with an error; nothing changed', details);
    } else {
      logger.info('inbound hook moved a case', details);
      count('InboundAccepted');
    }
  }),
);
