import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import sesLocal from 'aws-ses-v2-local';
import { buildApp } from 'fauxqs';
import { dynamoDbLocalHome, LAUNCHER_SOURCE, launcherArguments } from './dynamodb-launcher.js';
import { crossSiteRefusal, guardExisting, isLoopbackHost, MISDIRECTED } from './guard.js';

export interface RunningEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export class SandboxStartError extends Error {
  override readonly name = 'SandboxStartError';
}

const canListen = async (port: number): Promise<boolean> => {
  const server = net.createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
};

/**
 * A port nobody listens on now (for tests that run next to a developer's sandbox). Chosen below
 * Linux's ephemeral range (32768+): a port the kernel hands out for listen(0) can be taken by an
 * outgoing connection before the emulator binds it, which made a test run fail with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new SandboxStartError('No free port found between 20000 and 32000.');
}

export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  const server = net.createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  } catch {
    throw new SandboxStartError(`Port ${port} for ${what} is in use. Stop what holds it, or choose another port with ${variable}=<port>.`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function javaVersion(): string | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return (result.stderr || result.stdout).split('\n')[0];
}

/**
 * The official DynamoDB Local (Java), in memory, one database for every credential and region,
 * telemetry off, reachable from this machine only and only under a loopback Host name, and gone
 * when this process is (see dynamodb-launcher.ts).
 */
export async function startDynamoDb(port: number, timeoutMs = 90_000): Promise<RunningEmulator> {
  if (!javaVersion()) {
    throw new SandboxStartError('DynamoDB Local needs Java 17 or newer on the PATH (Debian: apt-get install -y openjdk-17-jre-headless).');
  }
  const launcherDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-dynamodb-'));
  const launcherFile = path.join(launcherDir, 'CloseloopDynamoDbLocal.java');
  writeFileSync(launcherFile, LAUNCHER_SOURCE);
  // stdin stays a pipe we never close: its end is the launcher's signal that this process is gone.
  const child: ChildProcess = spawn('java', launcherArguments(dynamoDbLocalHome(), launcherFile, port), { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.on('error', () => undefined);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = once(child, 'exit');
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const started = Date.now();
  try {
    for (;;) {
      if (child.exitCode !== null) {
        if (/jdk\.compiler/.test(output)) {
          throw new SandboxStartError(
            'DynamoDB Local is started through a one-file Java launcher that binds it to 127.0.0.1, which needs the jdk.compiler module; ' +
              `this Java has none. Install a JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless).\n${output}`,
          );
        }
        throw new SandboxStartError(`DynamoDB Local exited with code ${child.exitCode}:\n${output}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() - started > timeoutMs) throw new SandboxStartError(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
    // Java read the source when it started; nothing needs the file once the server answers (or failed).
    rmSync(launcherDir, { recursive: true, force: true });
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** aws-ses-v2-local: SES v2 API, an inbox web UI at `/` and every sent email at `GET /store`. */
export async function startSes(port: number): Promise<RunningEmulator> {
  // Its CommonJS default export arrives as `default` under some loaders (vitest) and as the module itself under others (Node).
  const start: typeof sesLocal = Reflect.get(sesLocal, 'default') ?? sesLocal;
  const server: Server = await start({ host: '127.0.0.1', port });
  // Its inbox and store hold live rating links: loopback Host names only, like every sandbox server.
  guardExisting('local SES', server);
  const { port: actual } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * fauxqs: SQS (JSON protocol) with redrive to dead-letter queues and long polling. Built from its
 * app rather than `startFauxqs`, which listens on every interface whatever host it is given.
 */
const crossSiteStatus = (request: Pick<IncomingMessage, 'method' | 'headers'>) => {
  const message = crossSiteRefusal(request);
  return message ? { status: 403, message } : undefined;
};

export async function startSqs(port: number): Promise<RunningEmulator> {
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  app.addHook(
    'onRequest',
    (
      request: Pick<IncomingMessage, 'method' | 'headers'>,
      reply: { code(status: number): { header(name: string, value: string): { send(body: string): unknown } } },
      done: () => void,
    ) => {
      const refusal = !isLoopbackHost(request.headers.host) ? { status: 421, message: MISDIRECTED } : crossSiteStatus(request);
      if (!refusal) return done();
      reply
        .code(refusal.status)
        .header('content-type', 'application/json')
        .send(JSON.stringify({ message: refusal.message }));
    },
  );
  await app.listen({ port, host: '127.0.0.1' });
  const { port: actual } = app.server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${actual}`, stop: () => app.close() };
}
