import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INSTANCE_PATH } from '../sandbox/http-api.js';
import type { SandboxInfo } from '../sandbox/sandbox.js';
import { CliError, EXIT } from './args.js';

/** Where the running sandbox describes itself: always the current folder's `.sandbox/sandbox.json`. */
export const SANDBOX_FILE = path.join('.sandbox', 'sandbox.json');

/** HTTP endpoints, and the SMTP server's (customers' replies): loopback only. */
const LOOPBACK = /^(http|smtp):\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;
/** Long enough for a busy machine's sandbox to answer, short enough not to feel like a hang. */
const LIVENESS_TIMEOUT_MS = 3_000;

export const NOT_RUNNING = `the sandbox recorded in ${SANDBOX_FILE} is not running; start it with \`npx closeloop sandbox\``;

/**
 * The running sandbox of the current folder, or undefined when there is no `.sandbox/sandbox.json`.
 * The file is used only if every endpoint it names is on this machine's loopback (the CLI never
 * sends data where a planted file points) and the sandbox at its HTTP API answers with the file's
 * instance id (a file left by a stopped sandbox, or a port now held by something else, is refused).
 */
export async function localSandbox(file = SANDBOX_FILE): Promise<SandboxInfo | undefined> {
  if (!existsSync(file)) return undefined;
  let info: SandboxInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as SandboxInfo;
  } catch {
    throw new CliError(`${path.resolve(file)} is not a sandbox description (not JSON); remove it or start the sandbox again`);
  }
  const endpoints = Object.values(info?.endpoints ?? {});
  if (!endpoints.length || endpoints.some((endpoint) => !LOOPBACK.test(String(endpoint)))) {
    throw new CliError(`${path.resolve(file)} names endpoints that are not on this machine's loopback; refusing to use it`);
  }
  if (typeof info.instanceId !== 'string' || !info.instanceId || !info.endpoints.publicApi) throw new CliError(NOT_RUNNING);
  let answered: unknown;
  try {
    const response = await fetch(`${info.endpoints.publicApi.replace(/\/+$/, '')}${INSTANCE_PATH}`, { signal: AbortSignal.timeout(LIVENESS_TIMEOUT_MS) });
    answered = response.ok ? ((await response.json()) as { instanceId?: unknown }).instanceId : undefined;
  } catch {
    throw new CliError(NOT_RUNNING);
  }
  if (answered !== info.instanceId) throw new CliError(`${NOT_RUNNING} (${info.endpoints.publicApi} answers as another program or another sandbox)`);
  return info;
}

/** The running sandbox, or an error that says how to start it. */
export async function requireSandbox(command: string): Promise<SandboxInfo> {
  const info = await localSandbox();
  if (!info)
    throw new CliError(`closeloop ${command}: no running sandbox in this folder (${SANDBOX_FILE} is missing). Start it with \`npx closeloop sandbox\`.`);
  return info;
}

/**
 * The survey table a command reads or writes: a deployed stack's (`--table`, else CLOSELOOP_TABLE;
 * the AWS credentials and Region of the environment) or the running sandbox's here.
 */
export async function surveyTable(table: string | undefined): Promise<{ tableName: string; client: DynamoDBDocumentClient; where: string }> {
  const tableName = table || process.env.CLOSELOOP_TABLE;
  if (tableName) return { tableName, client: DynamoDBDocumentClient.from(new DynamoDBClient({})), where: `table ${tableName}` };
  const sandbox = await localSandbox();
  if (sandbox) {
    const client = new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb, maxAttempts: 2 });
    return { tableName: sandbox.tables.surveys, client: DynamoDBDocumentClient.from(client), where: `the sandbox at ${sandbox.endpoints.dynamodb}` };
  }
  throw new CliError(
    'No table: pass --table <the stack output SurveyTableName> (with AWS credentials), set CLOSELOOP_TABLE, or start the sandbox here with `npx closeloop sandbox`.',
    EXIT.usage,
  );
}
