import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpRoute {
  /** e.g. ['GET', 'HEAD', 'POST'] */
  readonly methods: readonly string[];
  /** An HTTP API path with `{name}` parameters, e.g. '/r/{token}'. */
  readonly path: string;
  readonly handler: HttpHandler;
  readonly functionName: string;
  /**
   * 'iam': like an IAM-authorised route, requires a SigV4 `Authorization` header and passes the
   * caller on as `requestContext.authorizer.iam`. The sandbox reads the access key; it does not
   * verify the signature (there are no real credentials to verify against).
   */
  readonly auth?: 'iam';
}

export interface RunningHttpApi {
  readonly url: string;
  stop(): Promise<void>;
}

/** API Gateway's own limit is 10 MB; nothing here needs more than a form. */
const MAX_BODY_BYTES = 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript))/;

function compile(path: string) {
  const names: string[] = [];
  const pattern = path.replace(/\{(\w+)\}/g, (_, name: string) => { names.push(name); return '([^/]+)'; });
  const regex = new RegExp(`^${pattern}$`);
  return (rawPath: string) => {
    const match = regex.exec(rawPath);
    return match ? Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)])) : undefined;
  };
}

/**
 * Serves routes as an HTTP API (payload format 2.0) would: the same event shape, the same handler.
 * Bodies that are not text arrive base64-encoded, as API Gateway sends them.
 */
export async function startHttpApi(port: number, routes: readonly HttpRoute[]): Promise<RunningHttpApi> {
  const compiled = routes.map((route) => ({ route, match: compile(route.path) }));
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => { size += chunk.length; if (size <= MAX_BODY_BYTES) chunks.push(chunk); });
    request.on('end', () => {
      const send = (result: APIGatewayProxyStructuredResultV2) => {
        const body = result.body ?? '';
        response.writeHead(result.statusCode ?? 200, result.headers as http.OutgoingHttpHeaders);
        response.end(request.method === 'HEAD' ? undefined : result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
      };
      if (size > MAX_BODY_BYTES) return send({ statusCode: 413, body: '{"message":"Request Entity Too Large"}' });
      const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
      const method = request.method ?? 'GET';
      const found = compiled
        .map(({ route, match }) => ({ route, params: match(url.pathname) }))
        .find(({ route, params }) => params && route.methods.includes(method));
      const routeKey = found ? `${method === 'HEAD' && !found.route.methods.includes('HEAD') ? 'GET' : method} ${found.route.path}` : '';
      if (!found?.params) return send({ statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' });

      let authorizer: { iam: { accessKey: string; userArn: string } } | undefined;
      if (found.route.auth === 'iam') {
        const credential = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
        if (!credential) return send({ statusCode: 403, headers: { 'content-type': 'application/json' }, body: '{"message":"Forbidden"}' });
        authorizer = { iam: { accessKey: credential, userArn: `arn:aws:iam::000000000000:user/${credential}` } };
      }
      const raw = Buffer.concat(chunks);
      const contentType = String(request.headers['content-type'] ?? '');
      const isText = TEXT_TYPES.test(contentType);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
      const query = url.searchParams.size ? Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k).join(',')])) : undefined;
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
          http: { method, path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
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
      found.route.handler(event, lambdaContext(found.route.functionName)).then(send, (error: unknown) => {
        console.error(`[sandbox] ${found.route.functionName} failed:`, error);
        send({ statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}' });
      });
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
