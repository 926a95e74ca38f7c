import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { followUpQueueNames } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { cases as manifest } from '../config/stages/cases.js';
import { publishedEventTypes } from '../domain/integration-events.js';
import { type CaseApiDeps, handleCaseRequest } from './http.js';
import { InboxCursors } from './inbox.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv(manifest);
const cases = new DynamoCaseRepository(env.SURVEY_TABLE);
// The store reads the secret once per cold start (and again only after a failed read).
const secrets = new SecretsManagerSecretStore();
const deps: CaseApiDeps = {
  catalog,
  cases,
  inbox: cases,
  cursors: async () => new InboxCursors(await secrets.read(env.INBOX_CURSOR_SECRET)),
  queues: followUpQueueNames(catalog),
  events: new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog)),
  now: () => new Date(),
};

/** The case API behind IAM-authorised HTTP API routes: teams list, assign, acknowledge and resolve cases. */
export const handler = stageHandler((event: APIGatewayProxyEventV2) => handleCaseRequest(event, deps));
