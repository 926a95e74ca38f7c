import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoErasure } from '../adapters/dynamo-erasure.js';
import { logger, metrics, publishMetrics } from '../adapters/observability.js';
import { readEnv } from '../config/env.js';
import type { EraseDeps } from './erase.js';
import { handleErasureRequest } from './http.js';

const env = readEnv(['SURVEY_TABLE']);
const deps: EraseDeps = { eraser: new DynamoErasure(env.SURVEY_TABLE), now: () => new Date(), settleMs: 2000 };

/** Right to erasure, behind an IAM-authorised route: `closeloop erase <email>` calls it. */
export const handler = middy((event: APIGatewayProxyEventV2) =>
  handleErasureRequest(event, deps, (actor, report) => {
    // The audit trail: who erased which hashed contact, and what changed. Never the address.
    logger.info('contact erased', { actor, ...report });
    metrics.addMetric('ContactErased', MetricUnit.Count, 1);
  }),
)
  .use(injectLambdaContext(logger))
  .use(publishMetrics());
