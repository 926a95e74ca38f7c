import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RateLimitedSes {
  readonly endpoint: string;
  /** Epoch ms of every SendEmail the limit let through. */
  readonly accepted: number[];
  /** How many SendEmail calls were refused with TooManyRequestsException. */
  throttled: number;
  stop(): Promise<void>;
}

/**
 * A proxy in front of the local SES that behaves like SES at its maximum send rate: a SendEmail
 * beyond `perSecond` (token bucket, one second of burst) gets HTTP 429 TooManyRequestsException
 * ("Maximum sending rate exceeded."), everything else passes through unchanged.
 */
export async function startSesRateLimit(target: string, perSecond: number): Promise<RateLimitedSes> {
  let tokens = perSecond;
  let refilled = Date.now();
  const upstream = new URL(target);
  const state: RateLimitedSes = { endpoint: '', accepted: [], throttled: 0, stop: async () => undefined };
  const server = http.createServer((request, response) => {
    const sending = request.method === 'POST' && /\/v2\/email\/outbound-emails$/.test(request.url ?? '');
    if (sending) {
      const now = Date.now();
      tokens = Math.min(perSecond, tokens + ((now - refilled) / 1000) * perSecond);
      refilled = now;
      if (tokens < 1) {
        state.throttled++;
        request.resume();
        response.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
        response.end(JSON.stringify({ message: 'Maximum sending rate exceeded.' }));
        return;
      }
      tokens -= 1;
      state.accepted.push(now);
    }
    const forward = http.request({ hostname: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    forward.on('error', () => { response.writeHead(502); response.end(); });
    request.pipe(forward);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
