import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoAggregateStore } from '../adapters/dynamo-aggregate-store.js';
import { DynamoCustomerHistory } from '../adapters/dynamo-customer-history.js';
import { stageHandler } from '../adapters/observability.js';
import { caseApiDeps } from '../cases/case-api-deps.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { workspace as manifest } from '../config/stages/workspace.js';
import { appScript } from './app-asset.js';
import { DEFAULT_GROUPS_CLAIM, handleWorkspaceRequest, type WorkspaceDeps } from './http.js';

const env = readStageEnv(manifest);
const deps: WorkspaceDeps = {
  ...caseApiDeps(loadRuntimeCatalog(), { SURVEY_TABLE: env.SURVEY_TABLE, EVENT_BUS_NAME: env.EVENT_BUS_NAME, INBOX_CURSOR_SECRET: env.INBOX_CURSOR_SECRET }),
  groupsClaim: env.WORKSPACE_GROUPS_CLAIM ?? DEFAULT_GROUPS_CLAIM,
  aggregates: new DynamoAggregateStore(env.SURVEY_TABLE),
  customers: new DynamoCustomerHistory(env.SURVEY_TABLE),
  pages: {
    issuer: env.WORKSPACE_ISSUER,
    clientId: env.WORKSPACE_CLIENT_ID,
    ...(env.WORKSPACE_LOGIN_ORIGIN ? { loginOrigin: env.WORKSPACE_LOGIN_ORIGIN } : {}),
    script: appScript,
  },
};

/** The workspace's API and pages behind the HTTP API (its /api routes with the JWT authorizer: the claims at requestContext.authorizer.jwt.claims). */
export const handler = stageHandler((event: APIGatewayProxyEventV2) => handleWorkspaceRequest(event, deps));
