import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoErasure } from '../adapters/dynamo-erasure.js';
import { logger, stageCounter, stageHandler } from '../adapters/observability.js';
import { readStageEnv } from '../config/stage-env.js';
import { erase as manifest } from '../config/stages/erase.js';
import type { EraseDeps } from './erase.js';
import { handleErasureRequest } from './http.js';

const env = readStageEnv(manifest);
const count = stageCounter(manifest);
const deps: EraseDeps = { eraser: new DynamoErasure(env.SURVEY_TABLE), now: () => new Date(), settleMs: 2000 };

/** Right to erasure, behind an IAM-authorised route: `closeloop erase <email>` calls it. */
export const handler = stageHandler((event: APIGatewayProxyEventV2) =>
  handleErasureRequest(event, deps, (actor, report) => {
    // The audit trail: who erased which hashed contact, and what changed. Never the address.
    logger.info('contact erased', { actor, ...report });
    count('ContactErased');
  }),
);
