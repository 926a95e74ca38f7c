import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { renderView, SECURITY_HEADERS, type PageSettings } from './page.js';
import { recordRating, showRatingPage, showUnsubscribe, unsubscribe, type RespondDeps, type View } from './respond.js';

/** Form bodies larger than this are refused before parsing (two answers of 2,000 characters fit). */
export const MAX_BODY_BYTES = 16_384;

/** Plain-text answers (errors) carry the pages' security headers too. */
export const TEXT_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' };
const METHOD_NOT_ALLOWED = { statusCode: 405, headers: { allow: 'GET, HEAD, POST', ...TEXT_HEADERS }, body: 'Method not allowed' };
const TOO_LARGE = { statusCode: 413, headers: TEXT_HEADERS, body: 'Request body too large' };

function formOf(event: APIGatewayProxyEventV2): URLSearchParams | undefined {
  if (!event.body) return new URLSearchParams();
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return undefined;
  return new URLSearchParams(text);
}

const field = (form: URLSearchParams, name: string) => form.get(name) ?? undefined;

/**
 * The public routes as one function of the HTTP API event: `/r/{token}` rating pages and
 * `/u/{token}` unsubscribe. GET and HEAD only read. Returns what was shown, for metrics.
 */
export async function handleHttp(
  event: APIGatewayProxyEventV2, deps: RespondDeps, settings: PageSettings,
): Promise<{ response: APIGatewayProxyStructuredResultV2; view?: View['view'] }> {
  const method = event.requestContext.http.method;
  const token = event.pathParameters?.token ?? '';
  const reading = method === 'GET' || method === 'HEAD';
  if (!reading && method !== 'POST') return { response: METHOD_NOT_ALLOWED };
  let view: View;
  if (event.routeKey.endsWith(' /u/{token}')) {
    view = reading ? await showUnsubscribe(token, deps) : await unsubscribe(token, deps);
  } else if (reading) {
    view = await showRatingPage({ token, score: event.queryStringParameters?.s }, deps);
  } else {
    const form = formOf(event);
    if (!form) return { response: TOO_LARGE };
    view = await recordRating({
      token,
      score: field(form, 'score'),
      comment: field(form, 'comment'),
      secondAnswer: field(form, 'answer2'),
      renderedAt: field(form, 't'),
      interaction: field(form, 'h'),
      confirmed: field(form, 'confirm'),
      userAgent: event.headers?.['user-agent'],
    }, deps);
  }
  const response = renderView(view, settings);
  return { response: method === 'HEAD' ? { ...response, body: '' } : response, view: view.view };
}
