import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoInvitationRepository } from '../adapters/dynamo-invitation-repository.js';
import { logger, metrics, publishMetrics } from '../adapters/observability.js';
import { catalog } from '../config/catalog.js';
import { readEnv } from '../config/env.js';
import { renderView } from './page.js';
import { recordRating, showRatingPage, type RespondDeps } from './respond.js';

const env = readEnv(['SURVEY_TABLE', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL']);
const deps: RespondDeps = { invitations: new DynamoInvitationRepository(env.SURVEY_TABLE), now: () => new Date() };
const pageSettings = { brand: catalog.brand, supportEmail: env.SUPPORT_EMAIL, publicBaseUrl: env.PUBLIC_BASE_URL };

/** Form bodies larger than this are refused before parsing (a comment is at most 2,000 characters). */
const MAX_BODY_BYTES = 16_384;

function formOf(event: APIGatewayProxyEventV2): URLSearchParams | undefined {
  if (!event.body) return new URLSearchParams();
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return undefined;
  return new URLSearchParams(text);
}

async function route(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method;
  const token = event.pathParameters?.token ?? '';
  if (method === 'GET' || method === 'HEAD') {
    const response = renderView(await showRatingPage({ token, score: event.queryStringParameters?.s }, deps), pageSettings);
    return method === 'HEAD' ? { ...response, body: '' } : response;
  }
  if (method === 'POST') {
    const form = formOf(event);
    if (!form) return { statusCode: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Request body too large' };
    const view = await recordRating(
      { token, score: form.get('score') ?? undefined, comment: form.get('comment') ?? undefined, userAgent: event.headers['user-agent'] },
      deps,
    );
    if (view.view === 'thanks') metrics.addMetric('RatingSubmitted', MetricUnit.Count, 1);
    return renderView(view, pageSettings);
  }
  return { statusCode: 405, headers: { allow: 'GET, HEAD, POST', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method not allowed' };
}

/** HTTP API (payload v2) → rating pages. GET and HEAD only read; POST records. */
export const handler = middy(route).use(injectLambdaContext(logger)).use(publishMetrics());
