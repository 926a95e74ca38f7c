import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { existsSync, readFileSync } from 'node:fs';
import type { SandboxInfo } from '../sandbox/sandbox.js';
import { SANDBOX_FILE } from '../sandbox/sandbox-file.js';
import { signedFetch, type SignedFetchOptions } from './signed-fetch.js';

export interface CaseApi {
  readonly baseUrl: string;
  readonly signing: SignedFetchOptions;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * Where the case API is: `--api-url` or CLOSELOOP_API_URL (a deployed stack's `ApiUrl` output, signed
 * with your AWS credentials), else the running sandbox (.sandbox/sandbox.json).
 */
export function resolveCaseApi(apiUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): CaseApi {
  const url = apiUrl ?? env.CLOSELOOP_API_URL;
  if (url) {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? /execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
    if (!region) throw new CliError('Set AWS_REGION: the API URL does not name its region.');
    return { baseUrl: url.replace(/\/+$/, ''), signing: { region, credentials: defaultProvider() } };
  }
  if (existsSync(SANDBOX_FILE)) {
    const sandbox = JSON.parse(readFileSync(SANDBOX_FILE, 'utf8')) as SandboxInfo;
    return { baseUrl: sandbox.endpoints.publicApi, signing: { region: sandbox.region, credentials: sandbox.credentials } };
  }
  throw new CliError('No case API: pass --api-url <the stack output ApiUrl> (or set CLOSELOOP_API_URL), or start the sandbox with `npm start`.');
}

/** Calls the case API; returns the parsed JSON, or throws CliError with the API's message. */
export async function callCaseApi(api: CaseApi, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<unknown> {
  let response: Response;
  try {
    response = await signedFetch(`${api.baseUrl}${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) }, api.signing);
  } catch (error) {
    throw new CliError(`The case API at ${api.baseUrl} did not answer (${error instanceof Error ? error.message : String(error)}).`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* keep the text */ }
  if (!response.ok) {
    const message = typeof parsed === 'object' && parsed && 'message' in parsed ? String((parsed as { message: unknown }).message) : text;
    throw new CliError(`${response.status}: ${message}`);
  }
  return parsed;
}
