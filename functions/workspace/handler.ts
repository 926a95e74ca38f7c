import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { stageHandler } from '../adapters/observability.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { InboxCursors } from '../cases/inbox.js';
import { followUpQueueNames } from '../config/resources.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { workspace as manifest } from '../config/stages/workspace.js';
import { publishedEventTypes } from '../domain/integration-events.js';
import { appScript } from './app-asset.js';
import { DEFAULT_GROUPS_CLAIM, handleWorkspaceRequest, type WorkspaceDeps } from './http.js';

const catalog = loadRuntimeCatalog();
const env = readStageEnv(manifest);
const cases = new DynamoCaseRepository(env.SURVEY_TABLE);
// The store reads the secret once per cold start (and again only after a failed read).
const secrets = new SecretsManagerSecretStore();
const deps: WorkspaceDeps = {
  catalog,
  cases,
  inbox: cases,
  cursors: async () => new InboxCursors(await secrets.read(env.INBOX_CURSOR_SECRET)),
  queues: followUpQueueNames(catalog),
  events: new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog)),
  now: () => new Date(),
  groupsClaim: env.WORKSPACE_GROUPS_CLAIM ?? DEFAULT_GROUPS_CLAIM,
  pages: {
    issuer: env.WORKSPACE_ISSUER,
    clientId: env.WORKSPACE_CLIENT_ID,
    ...(env.WORKSPACE_LOGIN_ORIGIN ? { loginOrigin: env.WORKSPACE_LOGIN_ORIGIN } : {}),
    script: appScript,
  },
};

/** The workspace's API behind the HTTP API's JWT authorizer: the claims at requestContext.authorizer.jwt.claims. */
export const handler = stageHandler((event: APIGatewayProxyEventV2) => handleWorkspaceRequest(event, deps));
