/**
 * Where the CLI sends a signed request, and what it reports as done (issue 25, item 7): https, or
 * plain http to this machine only; a redirect is never followed (the body, e.g. an address to
 * erase, would go to the redirect's target); success only for a 2xx answer of the expected shape.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError, EXIT } from '../../cli/args.js';
import { type CaseApi, callCaseApi, resolveCaseApi } from '../../cli/case-api.js';
import { eraseCommand } from '../../cli/erase.js';

const env = { AWS_REGION: 'eu-west-1' };
const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

/** A local server that answers every request with `answer`, and records what it received. */
async function server(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const received: { path: string; body: string }[] = [];
  const s = http.createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ path: request.url ?? '', body });
    answer(request, response);
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, received, close: () => new Promise((r) => s.close(r)) };
}

describe('the CLI sends signed requests over https, or plain http to this machine only', () => {
  it.each(['http://abc.execute-api.eu-west-1.amazonaws.com', 'http://10.0.0.7:3000', 'ftp://example.com'])('refuses %s (usage)', async (url) => {
    const refused = await resolveCaseApi(url, env).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(EXIT.usage);
    expect((refused as CliError).message).toMatch(/plain http:\/\/ only to 127\.0\.0\.1, localhost or \[::1\]/);
  });

  it.each(['https://abc.execute-api.eu-west-1.amazonaws.com', 'http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'])(
    'takes %s',
    async (url) => {
      await expect(resolveCaseApi(url, env)).resolves.toMatchObject({ baseUrl: url });
    },
  );
});

describe('what the CLI reports as done', () => {
  let target: Awaited<ReturnType<typeof server>>;
  let redirecting: Awaited<ReturnType<typeof server>>;
  let html: Awaited<ReturnType<typeof server>>;
  const api = (baseUrl: string): CaseApi => ({ baseUrl, region: 'eu-west-1', credentials, description: baseUrl });

  beforeAll(async () => {
    target = await server((_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    redirecting = await server((_, response) => response.writeHead(307, { location: `${target.url}/erasures` }).end());
    html = await server((_, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>'));
  });
  afterAll(async () => {
    await Promise.all([target.close(), redirecting.close(), html.close()]);
  });
  afterEach(() => vi.restoreAllMocks());

  it('never follows a redirect: the body stays where it was sent, and the command fails naming the URL', async () => {
    const failed = await callCaseApi(api(redirecting.url), 'POST', '/erasures', { email: 'ana@example.com' }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(CliError);
    expect((failed as CliError).message).toBe(`${redirecting.url}/erasures: answered with a redirect, which a signed request never follows`);
    expect(target.received).toEqual([]);
  });

  it('does not print "erased" for a 2xx answer that is not an erasure report', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const given = { CLOSELOOP_API_URL: html.url, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const previous = Object.fromEntries(Object.keys(given).map((key) => [key, process.env[key]]));
    Object.assign(process.env, given);
    try {
      const failed = await Promise.resolve(eraseCommand.run(['ana@example.com'], {})).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(CliError);
      expect((failed as CliError).message).toBe(`${html.url}/erasures answered 200 with something that is not an erasure report: nothing is reported as done.`);
      expect(log.mock.calls.flat().join('\n')).not.toMatch(/erased contact/);
    } finally {
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
