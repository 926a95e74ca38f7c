import { once } from 'node:events';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Host names a sandbox server answers. A DNS-rebinding page reaches 127.0.0.1 under a name of
 * its own (`Host: rebind.attacker.example:3000`); refusing every other name keeps it out.
 */
export const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost)(?::\d{1,5})?$/i;

export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/**
 * Why a request that changes something comes from a web page that is not this server's own (a
 * cross-site request forgery: any page the developer visits could otherwise post to 127.0.0.1), or
 * undefined. Refused: an `Origin` that is present and not this server's (`null` included, as a
 * sandboxed frame or a file sends), and `Sec-Fetch-Site: cross-site` or `same-site` (another port of
 * 127.0.0.1 is same-site). A local page on another port that must call in (such as a workspace) is
 * allowed by listing its origin, never by dropping the check. GET and HEAD pass: they change nothing,
 * and a link from the sandbox's inbox to a rating page is such a navigation.
 */
export function crossSiteRefusal(request: Pick<IncomingMessage, 'method' | 'headers'>, allowedOrigins: readonly string[] = []): string | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  const allowed = origin !== undefined && (origin === `http://${request.headers.host}` || allowedOrigins.includes(origin));
  if (origin !== undefined && !allowed) return `a request from another origin (${origin.slice(0, 100)}) is refused (cross-site request forgery defence)`;
  if ((site === 'cross-site' || site === 'same-site') && !allowed) return `a ${site} request is refused (cross-site request forgery defence)`;
  return undefined;
}

/** A request listener that may throw or reject: `guard` turns either into a 500. */
export type SandboxListener = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface GuardOptions {
  /** The body of an error answer, in the protocol the server speaks. @default `{"message": …}` as JSON */
  readonly errorBody?: (status: number, message: string) => { headers: Record<string, string>; body: string };
  readonly report?: (message: string) => void;
  /**
   * Origins of local pages allowed to call in (see crossSiteRefusal). `'any'`: no cross-site check, for
   * the HTTP API only, which stands for API Gateway (what a cross-site request gets there is the
   * product's own answer, and the scanner tests exercise it).
   * @default none
   */
  readonly allowedOrigins?: readonly string[] | 'any';
}

const jsonError = (_status: number, message: string) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });

export const MISDIRECTED = 'This sandbox server answers only Host 127.0.0.1 or localhost (DNS-rebinding defence).';

/** Answers an error once; a response already under way is cut off instead (its client sees a reset, the process goes on). */
export function answerError(response: ServerResponse, status: number, message: string, options: GuardOptions = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const { headers, body } = (options.errorBody ?? jsonError)(status, message);
  response.writeHead(status, headers);
  response.end(body);
}

/**
 * What every sandbox server runs its requests through: a Host that is not loopback gets 421, a
 * request forged by another web page 403 (crossSiteRefusal), and an error the listener throws or rejects with gets 500 with its message, so no request ends the
 * process (an uncaught error would stop the whole sandbox, and with it DynamoDB Local).
 */
export function guard(name: string, listener: SandboxListener, options: GuardOptions = {}): RequestListener {
  return (request, response) => {
    // A client that hangs up mid-body must not become an unhandled 'error' event.
    request.on('error', () => undefined);
    response.on('error', () => undefined);
    if (!isLoopbackHost(request.headers.host)) {
      request.resume();
      answerError(response, 421, MISDIRECTED, options);
      return;
    }
    const forged = options.allowedOrigins === 'any' ? undefined : crossSiteRefusal(request, options.allowedOrigins);
    if (forged) {
      request.resume();
      answerError(response, 403, forged, options);
      return;
    }
    const fail = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      options.report?.(`${name}: ${request.method} ${request.url} failed: ${message}`);
      try {
        answerError(response, 500, `Internal error in the sandbox's ${name}: ${message}`, options);
      } catch {
        response.destroy();
      }
    };
    try {
      Promise.resolve(listener(request, response)).catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The request body, up to `limit` bytes (then BodyTooLargeError, after the rest is drained). */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new BodyTooLargeError(`The request body is over ${limit} bytes.`);
  return Buffer.concat(chunks);
}

/** Listens on 127.0.0.1 only (never every interface); returns the port and a stop that drops open connections. */
export async function listenOnLoopback(server: Server, port: number): Promise<{ port: number; stop(): Promise<void> }> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Puts a server someone else built (aws-ses-v2-local's Express app) behind `guard`: its own request
 * listeners run only for loopback Host names, and what they throw synchronously is a 500.
 */
export function guardExisting(name: string, server: Server, options: GuardOptions = {}): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on(
    'request',
    guard(
      name,
      (request, response) => {
        for (const listener of listeners) listener.call(server, request, response);
      },
      options,
    ),
  );
}
