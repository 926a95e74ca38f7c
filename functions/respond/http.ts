import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type PageSettings, renderView, SECURITY_HEADERS } from './page.js';
import { type EvidenceFields, type RespondDeps, recordRating, showRatingPage, showUnsubscribe, unsubscribe, type View } from './respond.js';

/** Form bodies larger than this are refused before parsing (two answers of 2,000 characters fit). */
export const MAX_BODY_BYTES = 16_384;

/** Plain-text answers (errors) carry the pages' security headers too. */
export const TEXT_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' };
const METHOD_NOT_ALLOWED = { statusCode: 405, headers: { allow: 'GET, HEAD, POST', ...TEXT_HEADERS }, body: 'Method not allowed' };
const TOO_LARGE = { statusCode: 413, headers: TEXT_HEADERS, body: 'Request body too large' };

/** RFC 8058: what a mail client POSTs for one-click unsubscribe, as the whole (URL-encoded) body. */
export const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

/**
 * Whether a POST body is a mail client's one-click request and nothing else: exactly
 * `List-Unsubscribe=One-Click`, or the same one field alone as `multipart/form-data` (RFC 8058
 * lets the mail receiver send either). Anything more — the page's own fields, another field, another
 * value or case — is not.
 */
export function isOneClickRequest(body: string, contentType: string | undefined): boolean {
  if (body === ONE_CLICK_BODY) return true;
  const boundary = /^multipart\/form-data\s*;\s*boundary=(?:"([^"]+)"|([^\s;]+))\s*$/i.exec(contentType ?? '');
  const delimiter = boundary && `--${boundary[1] ?? boundary[2]}`;
  if (!delimiter) return false;
  const parts = body.split(delimiter);
  if (parts.length !== 3 || parts[0] !== '' || !/^--(\r\n)?$/.test(parts[2] as string)) return false;
  const part = /^\r\n([^\r]+)\r\n\r\n([^\r]*)\r\n$/.exec(parts[1] as string);
  return Boolean(part && /^content-disposition:\s*form-data;\s*name="List-Unsubscribe"$/i.test(part[1] as string) && part[2] === 'One-Click');
}

/** The body as text; undefined when it is too large to read. */
function bodyOf(event: APIGatewayProxyEventV2): string | undefined {
  if (!event.body) return '';
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return Buffer.byteLength(text) > MAX_BODY_BYTES ? undefined : text;
}

const field = (form: URLSearchParams, name: string) => form.get(name) ?? undefined;

/** The page's evidence fields and the request headers that speak for a person (domain/evidence.ts). */
function evidenceOf(form: URLSearchParams, event: APIGatewayProxyEventV2): EvidenceFields {
  const headers = event.headers ?? {};
  return {
    stamp: field(form, 't'),
    interaction: field(form, 'h'),
    script: field(form, 'j'),
    userAgent: headers['user-agent'],
    fetchMode: headers['sec-fetch-mode'],
    fetchUser: headers['sec-fetch-user'],
  };
}

/**
 * The public routes as one function of the HTTP API event: `/r/{token}` rating pages and
 * `/u/{token}` unsubscribe. GET and HEAD only read. Returns what was shown, for metrics.
 */
export async function handleHttp(
  event: APIGatewayProxyEventV2,
  deps: RespondDeps,
  settings: PageSettings,
): Promise<{ response: APIGatewayProxyStructuredResultV2; view?: View['view'] }> {
  const method = event.requestContext.http.method;
  const token = event.pathParameters?.token ?? '';
  const reading = method === 'GET' || method === 'HEAD';
  if (!reading && method !== 'POST') return { response: METHOD_NOT_ALLOWED };
  const unsubscribing = event.routeKey.endsWith(' /u/{token}');
  let view: View;
  if (reading) {
    view = unsubscribing ? await showUnsubscribe(token, deps) : await showRatingPage({ token, score: event.queryStringParameters?.s }, deps);
  } else {
    const body = bodyOf(event);
    if (body === undefined) return { response: TOO_LARGE };
    const form = new URLSearchParams(body);
    if (unsubscribing) {
      const oneClick = isOneClickRequest(body, event.headers?.['content-type']);
      view = await unsubscribe(oneClick ? { token, oneClick: true } : { token, oneClick: false, ...evidenceOf(form, event) }, deps);
    } else {
      view = await recordRating(
        {
          token,
          score: field(form, 'score'),
          comment: field(form, 'comment'),
          secondAnswer: field(form, 'answer2'),
          ...evidenceOf(form, event),
        },
        deps,
      );
    }
  }
  const response = renderView(view, settings);
  return { response: method === 'HEAD' ? { ...response, body: '' } : response, view: view.view };
}
