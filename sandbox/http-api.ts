import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { BodyTooLargeError, guard, listenOnLoopback, readBody } from './guard.js';
import { lambdaContext } from './lambda-context.js';
import { type SigV4Credentials, verifySigV4 } from './sigv4.js';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpRoute {
  /** e.g. ['GET', 'HEAD', 'POST'] */
  readonly methods: readonly string[];
  /** An HTTP API path with `{name}` parameters, e.g. '/r/{token}'. */
  readonly path: string;
  readonly handler: HttpHandler;
  readonly functionName: string;
  /**
   * 'iam': like an IAM-authorised route, requires a valid SigV4 signature (by the sandbox's own
   * key pair, `HttpApiOptions.credentials`) and passes the caller on as `requestContext.authorizer.iam`.
   * 'jwt': like a route behind the HTTP API's JWT authorizer: `Authorization: Bearer <token>` checked
   * by `HttpApiOptions.verifyJwt` (the sandbox's OpenID provider), the claims passed on as
   * `requestContext.authorizer.jwt.claims` in API Gateway's form; 401 otherwise.
   */
  readonly auth?: 'iam' | 'jwt';
}

export interface HttpApiOptions {
  readonly port: number;
  readonly routes: readonly HttpRoute[];
  /** The key pair IAM routes accept: the sandbox makes one at each start and writes it to sandbox.json. */
  readonly credentials: SigV4Credentials;
  readonly region: string;
  /** Answered at `GET /__closeloop/instance`, so the CLI can tell this sandbox from whatever else holds the port. */
  readonly instanceId: string;
  readonly report?: (message: string) => void;
  /** Checks a JWT route's bearer token (signature, issuer, audience, expiry): its claims, or undefined. Without it no token is valid. */
  readonly verifyJwt?: (token: string) => Promise<Record<string, unknown> | undefined>;
}

/**
 * Claims as API Gateway's JWT authorizer passes them to the function: every value a string, an array
 * as `[a b]` (so `cognito:groups` arrives as `"[support cx-admin]"`), an object as its JSON.
 */
export function gatewayClaims(payload: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.map(String).join(' ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );
}

export interface RunningHttpApi {
  readonly url: string;
  stop(): Promise<void>;
}

/** Where the sandbox says which instance it is (not an API Gateway route: no handler sees it). */
export const INSTANCE_PATH = '/__closeloop/instance';

/** API Gateway's own limit is 10 MB; nothing here needs more than a form. */
const MAX_BODY_BYTES = 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript))/;

const json = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

class BadPathError extends Error {}

function compile(path: string) {
  const names: string[] = [];
  const pattern = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}$`);
  return (rawPath: string) => {
    const match = regex.exec(rawPath);
    if (!match) return undefined;
    try {
      return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)]));
    } catch {
      // `/r/%E0%A4%A`: a web page can make a browser send it; it is the client's mistake, not a crash.
      throw new BadPathError(`The path parameter in ${rawPath} is not valid percent-encoded UTF-8.`);
    }
  };
}

/**
 * Serves routes as an HTTP API (payload format 2.0) would: the same event shape, the same handler.
 * Bodies that are not text arrive base64-encoded, as API Gateway sends them.
 */
export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  const compiled = options.routes.map((route) => ({ route, match: compile(route.path) }));

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (result: APIGatewayProxyStructuredResultV2) => {
      const body = result.body ?? '';
      response.writeHead(result.statusCode ?? 200, result.headers as http.OutgoingHttpHeaders);
      response.end(request.method === 'HEAD' ? undefined : result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
    };
    let raw: Buffer;
    try {
      raw = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return send(json(413, 'Request Entity Too Large'));
      throw error;
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://sandbox.invalid');
    } catch {
      return send(json(400, 'Bad Request: the request target is not a URL path.'));
    }
    const method = request.method ?? 'GET';
    if (url.pathname === INSTANCE_PATH && (method === 'GET' || method === 'HEAD')) {
      return send({
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify({ instanceId: options.instanceId }),
      });
    }
    let found: { route: HttpRoute; params: Record<string, string> } | undefined;
    try {
      for (const { route, match } of compiled) {
        if (!route.methods.includes(method)) continue;
        const params = match(url.pathname);
        if (params) {
          found = { route, params };
          break;
        }
      }
    } catch (error) {
      if (error instanceof BadPathError) return send(json(400, `Bad Request: ${error.message}`));
      throw error;
    }
    if (!found) return send(json(404, 'Not Found'));
    const routeKey = `${method === 'HEAD' && !found.route.methods.includes('HEAD') ? 'GET' : method} ${found.route.path}`;
    const query = url.searchParams.size ? Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k).join(',')])) : undefined;

    let authorizer: { iam: { accessKey: string; userArn: string } } | { jwt: { claims: Record<string, string>; scopes: null } } | undefined;
    if (found.route.auth === 'jwt') {
      const bearer = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
      const claims = bearer && options.verifyJwt ? await options.verifyJwt(bearer) : undefined;
      if (!claims) return send(json(401, 'Unauthorized'));
      authorizer = { jwt: { claims: gatewayClaims(claims), scopes: null } };
    }
    if (found.route.auth === 'iam') {
      const signedQuery = Object.fromEntries(
        [...new Set(url.searchParams.keys())].map((k) => {
          const all = url.searchParams.getAll(k);
          return [k, all.length > 1 ? all : (all[0] as string)];
        }),
      );
      const verdict = await verifySigV4(
        { method, path: url.pathname, query: signedQuery, headers: request.headers, body: raw },
        options.credentials,
        options.region,
      );
      if (!verdict.ok) return send(json(403, verdict.message));
      authorizer = { iam: { accessKey: verdict.accessKeyId, userArn: `arn:aws:iam::000000000000:user/${verdict.accessKeyId}` } };
    }
    const contentType = String(request.headers['content-type'] ?? '');
    const isText = TEXT_TYPES.test(contentType);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: query,
      pathParameters: found.params,
      requestContext: {
        accountId: '000000000000',
        apiId: 'sandbox',
        domainName: String(request.headers.host ?? 'localhost'),
        domainPrefix: 'sandbox',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
        ...(authorizer ? { authorizer } : {}),
      } as APIGatewayProxyEventV2['requestContext'],
      body: raw.length ? (isText ? raw.toString('utf8') : raw.toString('base64')) : undefined,
      isBase64Encoded: raw.length > 0 && !isText,
    };
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await found.route.handler(event, lambdaContext(found.route.functionName));
    } catch (error) {
      // As API Gateway: a function error is a bare 500 to the client; the details go to the log.
      options.report?.(`${found.route.functionName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return send(json(500, 'Internal Server Error'));
    }
    send(result);
  }

  const server = http.createServer(guard('HTTP API', serve, { allowedOrigins: 'any', ...(options.report ? { report: options.report } : {}) }));
  const listening = await listenOnLoopback(server, options.port);
  return { url: `http://127.0.0.1:${listening.port}`, stop: listening.stop };
}
