import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoInvitationRepository } from '../adapters/dynamo-invitation-repository.js';
import { logger, metrics, publishMetrics } from '../adapters/observability.js';
import { catalog } from '../config/catalog.js';
import { readEnv } from '../config/env.js';
import { renderView } from './page.js';
import { recordRating, showRatingPage, showUnsubscribe, unsubscribe, type RespondDeps, type View } from './respond.js';

const env = readEnv(['SURVEY_TABLE', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL']);
const repository = new DynamoInvitationRepository(env.SURVEY_TABLE);
const deps: RespondDeps = { invitations: repository, contacts: repository, now: () => new Date() };
const pageSettings = { brand: catalog.brand, supportEmail: env.SUPPORT_EMAIL, publicBaseUrl: env.PUBLIC_BASE_URL };

/** Form bodies larger than this are refused before parsing (a comment is at most 2,000 characters). */
const MAX_BODY_BYTES = 16_384;

function formOf(event: APIGatewayProxyEventV2): URLSearchParams | undefined {
  if (!event.body) return new URLSearchParams();
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return undefined;
  return new URLSearchParams(text);
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };
const methodNotAllowed = { statusCode: 405, headers: { allow: 'GET, HEAD, POST', ...TEXT }, body: 'Method not allowed' };
const withoutBodyFor = (method: string, response: APIGatewayProxyStructuredResultV2) => (method === 'HEAD' ? { ...response, body: '' } : response);

/** `/u/{token}`: GET shows a confirmation button; POST (the form, or RFC 8058 one-click) unsubscribes. */
async function unsubscribeRoute(method: string, token: string): Promise<APIGatewayProxyStructuredResultV2> {
  let view: View;
  if (method === 'GET' || method === 'HEAD') view = await showUnsubscribe(token, deps);
  else if (method === 'POST') view = await unsubscribe(token, deps);
  else return methodNotAllowed;
  if (view.view === 'unsubscribed') metrics.addMetric('Unsubscribed', MetricUnit.Count, 1);
  return withoutBodyFor(method, renderView(view, pageSettings));
}

async function route(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method;
  const token = event.pathParameters?.token ?? '';
  if (event.routeKey.endsWith(' /u/{token}')) return unsubscribeRoute(method, token);
  if (method === 'GET' || method === 'HEAD') {
    return withoutBodyFor(method, renderView(await showRatingPage({ token, score: event.queryStringParameters?.s }, deps), pageSettings));
  }
  if (method === 'POST') {
    const form = formOf(event);
    if (!form) return { statusCode: 413, headers: TEXT, body: 'Request body too large' };
    const view = await recordRating(
      { token, score: form.get('score') ?? undefined, comment: form.get('comment') ?? undefined, userAgent: event.headers['user-agent'] },
      deps,
    );
    if (view.view === 'thanks') metrics.addMetric('RatingSubmitted', MetricUnit.Count, 1);
    return renderView(view, pageSettings);
  }
  return methodNotAllowed;
}

/** HTTP API (payload v2) → rating and unsubscribe pages. GET and HEAD only read; POST writes. */
export const handler = middy(route).use(injectLambdaContext(logger)).use(publishMetrics());
