/** The compiled `closeloop` command as a user meets it: a real process, its exit code and its streams. */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve('dist/cli/closeloop.mjs');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** Runs the CLI in an empty folder (no sandbox, no catalog) with no AWS credentials anywhere. */
async function closeloop(
  args: string[],
  cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-')),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: cwd,
    AWS_CONFIG_FILE: path.join(cwd, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(cwd, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'eu-west-1',
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the closeloop command', () => {
  it('prints its version, and the command list with --help (exit 0) or without a command (exit 2, on stderr)', async () => {
    expect(await closeloop(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const help = await closeloop(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/sandbox .*\n.*demo .*\n.*validate/);
    const none = await closeloop([]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('Usage: closeloop <command>');
  });

  it('gives each command its own --help', async () => {
    const caseHelp = await closeloop(['case', '--help']);
    const reportHelp = await closeloop(['report', '--help']);
    expect(caseHelp).toMatchObject({ code: 0 });
    expect(caseHelp.stdout).toContain('closeloop case resolve <caseId> --root-cause <tag>');
    expect(reportHelp.stdout).toContain('--granularity');
    expect(reportHelp.stdout).not.toContain('--root-cause');
  });

  it.each([
    [['frobnicate'], 'closeloop: unknown command "frobnicate"'],
    [['report', '--bogus'], "closeloop report: unknown option '--bogus'"],
    [['validate', '--api-url', 'https://x.example'], "closeloop validate: unknown option '--api-url'"],
    [['case', 'show'], 'closeloop case: missing argument'],
    [['case', 'frob', 'c-1'], 'closeloop case: unknown action "frob"'],
    [['case', 'ack', 'c-1', '--root-cause', 'pricing'], '--root-cause goes with resolve'],
    [['report', '--granularity', 'year'], '--granularity must be day, week or month'],
    [['erase', 'ana@example.com'], 'No case API: pass --api-url'],
  ])('refuses %j with exit 2 and a message on stderr', async (args, message) => {
    const result = await closeloop(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('says that credentials are missing (exit 5), not that the API did not answer', async () => {
    const result = await closeloop(['case', 'show', 'c-1', '--api-url', 'https://abc123.execute-api.eu-west-1.amazonaws.com']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('No AWS credentials for the API at https://abc123.execute-api.eu-west-1.amazonaws.com');
  });

  it('refuses a .sandbox/sandbox.json that points off this machine', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-'));
    mkdirSync(path.join(cwd, '.sandbox'));
    writeFileSync(
      path.join(cwd, '.sandbox', 'sandbox.json'),
      JSON.stringify({ endpoints: { publicApi: 'http://attacker.example:3000' }, region: 'us-east-1', credentials: {} }),
    );
    const result = await closeloop(['erase', 'ana@example.com'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("names endpoints that are not on this machine's loopback; refusing to use it");
    expect(result.stderr).not.toContain('target:');
  });

  describe('uses .sandbox/sandbox.json only when the sandbox it names answers with its instance id', () => {
    /** A folder with a sandbox.json naming `api` as the HTTP API (every endpoint on loopback). */
    function plant(api: string, instanceId = 'the-recorded-instance'): string {
      const cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-'));
      mkdirSync(path.join(cwd, '.sandbox'));
      writeFileSync(
        path.join(cwd, '.sandbox', 'sandbox.json'),
        JSON.stringify({
          instanceId,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
          endpoints: { publicApi: api, eventbridge: api, dynamodb: api },
          tables: { surveys: 't' },
          busName: 'b',
          followUpQueues: {},
        }),
      );
      return cwd;
    }
    /** A loopback server answering the instance route with `instanceId`, recording every other request. */
    async function fakeSandbox(instanceId: string) {
      const requests: string[] = [];
      const server = http.createServer((request, response) => {
        request.resume();
        if (request.url === '/__closeloop/instance') return response.end(JSON.stringify({ instanceId }));
        requests.push(`${request.method} ${request.url}`);
        response.writeHead(200, { 'content-type': 'application/json' });
        // A whole erasure report: the command prints "erased" only for one (cli-transport.test.ts).
        response.end(
          JSON.stringify({
            contactKey: 'k',
            erasedAt: '2026-01-01T00:00:00Z',
            suppressed: true,
            invitationsDeleted: 0,
            responsesAnonymised: 0,
            casesAnonymised: 0,
            contactRecordsDeleted: 0,
            notificationsDeleted: 0,
          }),
        );
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
    }

    it.each([['erase', 'ana@example.com'], ['demo'], ['report'], ['follow-ups'], ['case', 'show', 'c-1']])(
      'refuses a file whose sandbox is not running: %j (exit 1, nothing sent)',
      async (...args) => {
        const free = await fakeSandbox('x');
        await free.close();
        const result = await closeloop(args, plant(free.url));
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('the sandbox recorded in .sandbox/sandbox.json is not running; start it with `npx closeloop sandbox`');
        expect(result.stderr).not.toContain('target:');
      },
    );

    it('refuses a file whose port is now held by another sandbox or program', async () => {
      const other = await fakeSandbox('another-instance');
      try {
        const result = await closeloop(['erase', 'ana@example.com'], plant(other.url));
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('is not running');
        expect(result.stderr).toContain('answers as another program or another sandbox');
        expect(other.requests).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('goes ahead, and says where, when the instance id matches', async () => {
      const running = await fakeSandbox('the-recorded-instance');
      try {
        const result = await closeloop(['erase', 'ana@example.com'], plant(running.url));
        expect(result.stderr).toContain(`target: the sandbox at ${running.url}`);
        expect(result.code).toBe(0);
        expect(running.requests).toEqual(['POST /erasures']);
      } finally {
        await running.close();
      }
    });
  });

  it('validates a catalog: exit 0 valid, 1 invalid with each problem named', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-'));
    const demo = readFileSync('closeloop.yaml', 'utf8');
    writeFileSync(path.join(cwd, 'closeloop.yaml'), demo);
    expect((await closeloop(['validate'], cwd)).code).toBe(0);
    writeFileSync(path.join(cwd, 'closeloop.yaml'), demo.replace('invitationTtlDays: 30', 'invitationTTLDays: 30'));
    const invalid = await closeloop(['validate'], cwd);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('closeloop.yaml: invitationTTLDays: unknown key (did you mean "invitationTtlDays"?)');
  });

  describe('events validate and put (for producers)', () => {
    const folder = () => mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-events-'));
    const entry = JSON.parse(readFileSync('docs/examples/order-delivered.entries.json', 'utf8'))[0];

    it('passes the worked example (an entries array, or { Entries }), checking the catalog found here', async () => {
      const cwd = folder();
      writeFileSync(path.join(cwd, 'closeloop.yaml'), readFileSync('closeloop.yaml', 'utf8'));
      writeFileSync(path.join(cwd, 'entries.json'), JSON.stringify([entry]));
      writeFileSync(path.join(cwd, 'input.json'), JSON.stringify({ Entries: [entry, entry] }));
      const one = await closeloop(['events', 'validate', 'entries.json'], cwd);
      expect(one).toMatchObject({ code: 0, stdout: 'entry 1 shop.orders/OrderDelivered (eventId ord-1042-delivered): valid\n' });
      expect((await closeloop(['events', 'validate', 'input.json'], cwd)).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    });

    it('exits 1 naming each problem per entry, never quoting the values', async () => {
      const cwd = folder();
      const detail = JSON.parse(entry.Detail);
      const bad = { ...entry, Detail: JSON.stringify({ ...detail, customer: { ...detail.customer, email: 'ana@' } }) };
      writeFileSync(
        path.join(cwd, 'entries.json'),
        JSON.stringify([entry, bad, { Source: 'shop.orders', DetailType: 'OrderDelivered', Detail: { eventId: 1 } }]),
      );
      const result = await closeloop(['events', 'validate', 'entries.json'], cwd);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('entry 1 shop.orders/OrderDelivered (eventId ord-1042-delivered): valid');
      expect(result.stderr).toContain(
        'entry 2 shop.orders/OrderDelivered (eventId ord-1042-delivered): invalid\n  detail.customer.email: Invalid email address',
      );
      expect(result.stderr).toContain('entry 3 shop.orders/OrderDelivered: invalid\n  Detail: required, the JSON text of the detail');
      expect(result.stderr).toContain('no closeloop.yaml found: checking event contract v1 only');
      expect(result.stderr).not.toContain('ana@');
    });

    it('reports malformed JSON with its line and column', async () => {
      const cwd = folder();
      writeFileSync(path.join(cwd, 'entries.json'), '[\n  {\n    "Source": "shop.orders",\n    "DetailType": "OrderDelivered"\n    "Detail": "{}"\n  }\n]\n');
      const result = await closeloop(['events', 'validate', 'entries.json'], cwd);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^closeloop: entries\.json:5:5: not valid JSON/);
      writeFileSync(path.join(cwd, 'cut.json'), '[{"Source": "shop.or');
      expect((await closeloop(['events', 'validate', 'cut.json'], cwd)).stderr).toMatch(/cut\.json:1:21: not valid JSON/);
    });

    it('rejects an unknown action or flag, and put without a sandbox or --bus says what to do', async () => {
      const cwd = folder();
      writeFileSync(path.join(cwd, 'entries.json'), JSON.stringify([entry]));
      expect(await closeloop(['events', 'send', 'entries.json'], cwd)).toMatchObject({ code: 2 });
      expect((await closeloop(['events', 'validate', 'entries.json', '--force'], cwd)).stderr).toContain("unknown option '--force'");
      const put = await closeloop(['events', 'put', 'entries.json'], cwd);
      expect(put.code).toBe(1);
      expect(put.stderr).toContain('no --bus and no running sandbox');
    });
  });
});
