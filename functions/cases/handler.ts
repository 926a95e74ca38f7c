import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { logger, publishMetrics, stageHandler } from '../adapters/observability.js';
import { loadRuntimeCatalog } from '../config/runtime-catalog.js';
import { readStageEnv } from '../config/wiring.js';
import type { CaseDeps } from './cases.js';
import { handleCaseRequest } from './http.js';

const catalog = loadRuntimeCatalog();

const env = readStageEnv('cases');
const deps: CaseDeps = {
  catalog,
  cases: new DynamoCaseRepository(env.SURVEY_TABLE),
  events: new EventBridgePublisher(env.EVENT_BUS_NAME),
  now: () => new Date(),
};

/** The case API behind IAM-authorised HTTP API routes: teams acknowledge and resolve cases. */
export const handler = stageHandler((event: APIGatewayProxyEventV2) => handleCaseRequest(event, deps))
  .use(injectLambdaContext(logger))
  .use(publishMetrics());
