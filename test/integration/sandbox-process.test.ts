/**
 * `closeloop sandbox` as its user runs it, a process of its own (so a crash would show as a dead
 * process, not a failed test runner): fuzzed requests against every server it runs, foreign Host
 * names, its ports seen from another interface, the CLI through its sandbox.json, and DynamoDB
 * Local going away with it.
 */

import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxInfo } from '../../sandbox/sandbox.js';

const CLI = path.resolve('dist/cli/closeloop.mjs');
const CATALOG = path.resolve('closeloop.yaml');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cwd: string;
let child: ChildProcess;
let output = '';
let info: SandboxInfo;
let javaPid: number | undefined;

const baseEnv = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  AWS_CONFIG_FILE: path.join(home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The sandbox's HTTP servers by the name sandbox.json gives them (the inbox and store are the SES emulator's). */
const servers = () => Object.entries({ ...info.endpoints, inbox: info.inboxUrl }).filter(([name]) => name !== 'dynamodbStreams' && name !== 'smtp');
/** Every port it listens on: the HTTP servers and the SMTP server (customers' replies). */
const listening = () => [...servers(), ['smtp', info.endpoints.smtp] as const];

interface Answer {
  status?: number;
  error?: string;
}

/** Any method, path and Host header, as a browser (or a page rebinding a name to 127.0.0.1) could send them. */
function send(endpoint: string, request: { method: string; path: string; host?: string; body?: string; headers?: Record<string, string> }): Promise<Answer> {
  const { port } = new URL(endpoint);
  return new Promise((resolve) => {
    const outgoing = http.request(
      {
        // A connection per request: a kept-alive socket the server has since closed would fail the next request, not this one.
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        timeout: 15_000,
        agent: false,
        headers: { ...request.headers, ...(request.host !== undefined ? { host: request.host } : {}) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode }));
        response.on('error', (error) => resolve({ error: error.message }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error) => resolve({ error: error.message }));
    outgoing.end(request.body);
  });
}

beforeAll(async () => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-sandbox-process-'));
  const ports = Object.fromEntries(['DYNAMODB', 'SES', 'SQS', 'EVENTS', 'SCHEDULER', 'HTTP', 'OIDC'].map((name) => [`CLOSELOOP_${name}_PORT`, '0']));
  child = spawn(process.execPath, [CLI, 'sandbox', '--catalog', CATALOG], {
    cwd,
    env: { ...baseEnv(cwd), ...ports, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const file = path.join(cwd, '.sandbox', 'sandbox.json');
  for (const deadline = Date.now() + 150_000; !output.includes('Closeloop sandbox is running'); await sleep(200)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the sandbox did not start:\n${output}`);
  }
  info = JSON.parse(readFileSync(file, 'utf8')) as SandboxInfo;
  if (process.platform === 'linux') {
    const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(child.pid)], { encoding: 'utf8' });
    javaPid = Number(/(\d+)\s+java/.exec(children)?.[1]) || undefined;
  }
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  if (javaPid && alive(javaPid)) process.kill(javaPid, 'SIGKILL');
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('closeloop sandbox, a process of its own', () => {
  it('records a fresh instance id and key pair, readable by its owner only', () => {
    expect(info.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.credentials.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(info.credentials.secretAccessKey).toHaveLength(40);
    expect(info.credentials.accessKeyId).not.toBe('local');
    expect(execFileSync('stat', ['-c', '%a', path.join(cwd, '.sandbox', 'sandbox.json')], { encoding: 'utf8' }).trim()).toBe('600');
  });

  it("answers every server's requests only under Host 127.0.0.1 or localhost (421 otherwise)", async () => {
    for (const [name, endpoint] of servers()) {
      for (const host of ['rebind.attacker.example', `rebind.attacker.example:${new URL(endpoint).port}`, '127.0.0.1.nip.io']) {
        expect({ name, host, ...(await send(endpoint, { method: 'GET', path: '/', host })) }).toMatchObject({ name, host, status: 421 });
      }
      expect((await send(endpoint, { method: 'GET', path: '/', host: `localhost:${new URL(endpoint).port}` })).status).not.toBe(421);
    }
    // A web page's request to the SMTP port (cross-protocol: its body could hold SMTP commands) is cut off at once.
    const smtp = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(info.endpoints.smtp).port) });
      let heard = '';
      socket.on('data', (chunk) => {
        heard += chunk.toString();
      });
      socket.on('connect', () =>
        socket.write(
          `POST / HTTP/1.1\r\nHost: rebind.attacker.example\r\nContent-Type: text/plain\r\n\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<reply+x@${info.inboundDomain}>\r\nDATA\r\nhi\r\n.\r\n`,
        ),
      );
      socket.on('close', () => resolve(heard));
      socket.setTimeout(5_000, () => socket.destroy());
    });
    expect(smtp).toMatch(/^421 /m);
    expect(smtp).not.toMatch(/^250 .*Ok/m);
  });

  it("listens on loopback only: from this machine's other address every port is closed", async (context) => {
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!address) return context.skip('this machine has no non-loopback IPv4 address to connect from');
    const connect = (host: string, port: number) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host, port, timeout: 3_000 });
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('timeout', () => {
          socket.destroy();
          resolve('timeout');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    for (const [name, endpoint] of listening()) {
      const port = Number(new URL(endpoint).port);
      expect({ name, result: await connect('127.0.0.1', port) }).toEqual({ name, result: 'connected' });
      expect({ name, result: await connect(address, port) }).toEqual({ name, result: 'ECONNREFUSED' });
    }
  });

  it('survives fuzzed requests against every server, then serves a normal request', async () => {
    const segment = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
      fc.constantFrom('%', '%%', '%E0%A4%A', '%ZZ', '%C0%AF', '%FF', '%00', '%2F', '..', '.', '{token}', '%E0%A4%A4', '%25', '%u0041'),
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
    );
    const prefix = fc.constantFrom(
      '',
      '/r',
      '/u',
      '/cases',
      '/erasures',
      '/report',
      '/__closeloop/instance',
      '/events',
      '/schedules',
      '/store',
      '/v2/email/outbound-emails',
      '/_fauxqs/queues',
      '/get-emlContent',
      '//',
      '/%2e%2e',
    );
    const printable = fc.stringMatching(/^[\x21-\x7e]{0,40}$/);
    const request = fc.record({
      server: fc.integer({ min: 0, max: servers().length - 1 }),
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc
        .tuple(prefix, fc.array(segment, { maxLength: 4 }), fc.option(printable))
        .map(([p, parts, query]) => `${p}/${parts.join('/')}${query ? `?${query}` : ''}`),
      host: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom('localhost', '127.0.0.1', 'evil.example', 'localhost.evil.example', '127.0.0.1:1', 'LOCALHOST'),
        printable,
      ),
      body: fc.option(
        fc.oneof(
          printable,
          fc.constantFrom('{}', '[null]', '{"Entries":[null]}', '{"Entries":[{}]}', 'null', '{"SecretId":{}}', '{"Target":1}', 'score=0&t=x'),
        ),
      ),
      target: fc.option(
        fc.constantFrom('AWSEvents.PutEvents', 'AWSEvents.ListRules', 'secretsmanager.GetSecretValue', 'DynamoDB_20120810.Scan', 'AmazonSQS.ListQueues'),
      ),
      contentType: fc.option(
        fc.constantFrom('application/json', 'application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/x-www-form-urlencoded', 'text/plain'),
      ),
    });
    const failures: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [name, endpoint] = servers()[r.server] as [string, string];
        const answer = await send(endpoint, {
          method: r.method,
          path: r.path,
          ...(r.host !== undefined ? { host: r.host } : {}),
          ...(r.body !== null ? { body: r.body } : {}),
          headers: { ...(r.target ? { 'x-amz-target': r.target } : {}), ...(r.contentType ? { 'content-type': r.contentType } : {}) },
        });
        // Jetty (DynamoDB Local) and Fastify (fauxqs) answer some HEAD, OPTIONS and odd requests with a body
        // the client's strict parser refuses: an answer all the same. Every other server must answer properly.
        const thirdParty = ['dynamodb', 'sqs'].includes(name) && /^Parse Error/.test(answer.error ?? '');
        if (answer.status === undefined && !thirdParty) failures.push({ name, r, answer });
        return child.exitCode === null;
      }),
      { numRuns: 400, seed: 20261130 },
    );
    // The one a web page can make any browser send, which used to end the process.
    expect((await send(info.endpoints.publicApi, { method: 'GET', path: '/r/%E0%A4%A' })).status).toBe(400);
    expect(child.exitCode).toBeNull();
    expect(failures).toEqual([]);
    expect(alive(javaPid)).toBe(javaPid !== undefined);
    const bus = new EventBridgeClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.eventbridge });
    const put = await bus.send(new PutEventsCommand({ Entries: [{ EventBusName: info.busName, Source: 'fuzz', DetailType: 'After', Detail: '{}' }] }));
    bus.destroy();
    expect(put.FailedEntryCount).toBe(0);
    for (const [name, endpoint] of servers())
      expect({ name, ...(await send(endpoint, { method: 'GET', path: '/' })) }).toMatchObject({ name, status: expect.any(Number) });
  });

  it('serves the CLI through sandbox.json with its own key pair, and refuses a signature by another secret (403)', async () => {
    const run = promisify(execFile);
    const closeloop = (folder: string) =>
      run(process.execPath, [CLI, 'case', 'show', 'no-such-case'], { cwd: folder, env: baseEnv(folder) }).then(
        ({ stderr }) => ({ code: 0, stderr }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
    const found = await closeloop(cwd);
    expect(found).toEqual({ code: 3, stderr: 'closeloop: 404: no case no-such-case\n' }); // the signature was accepted: the case API answered 404

    const forged = mkdtempSync(path.join(os.tmpdir(), 'closeloop-forged-'));
    mkdirSync(path.join(forged, '.sandbox'));
    writeFileSync(
      path.join(forged, '.sandbox', 'sandbox.json'),
      JSON.stringify({ ...info, credentials: { ...info.credentials, secretAccessKey: 'not-the-sandbox-secret' } }),
    );
    const refused = await closeloop(forged);
    rmSync(forged, { recursive: true, force: true });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('403: The request signature we calculated does not match');
  });

  it('takes DynamoDB Local with it when it is killed outright (no orphaned Java)', async (context) => {
    if (!javaPid) return context.skip('the Java child is found with ps --ppid (Linux)');
    expect(alive(javaPid)).toBe(true);
    child.kill('SIGKILL');
    for (const deadline = Date.now() + 20_000; alive(javaPid) && Date.now() < deadline; ) await sleep(200);
    expect(alive(javaPid)).toBe(false);
    expect(existsSync(path.join(cwd, '.sandbox', 'sandbox.json'))).toBe(true);
  });
});
