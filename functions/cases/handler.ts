import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { stageHandler } from '../adapters/observability.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/stage-env.js';
import { cases as manifest } from '../config/stages/cases.js';
import { caseApiDeps } from './case-api-deps.js';
import { handleCaseRequest } from './http.js';

const env = readStageEnv(manifest);
const deps = caseApiDeps(loadRuntimeCatalog(), {
  SURVEY_TABLE: env.SURVEY_TABLE,
  EVENT_BUS_NAME: env.EVENT_BUS_NAME,
  INBOX_CURSOR_SECRET: env.INBOX_CURSOR_SECRET,
});

/** The case API behind IAM-authorised HTTP API routes: teams list, assign, acknowledge and resolve cases. */
export const handler = stageHandler((event: APIGatewayProxyEventV2) => handleCaseRequest(event, deps));
