import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity } from '@smithy/types';
import { CliError, EXIT } from './args.js';
import { RedirectRefusedError, signedFetch } from './signed-fetch.js';
import { localSandbox } from './target.js';

export interface CaseApi {
  readonly baseUrl: string;
  readonly region: string;
  /** Resolved once, before any request: a missing credential is said as such. */
  readonly credentials: () => Promise<AwsCredentialIdentity>;
  /** What `target:` says: the sandbox or the deployed API. */
  readonly description: string;
}

/**
 * Where the case API is: `--api-url` or CLOSELOOP_API_URL (a deployed stack's `ApiUrl` output, signed
 * with your AWS credentials), else the sandbox running in this folder.
 */
export async function resolveCaseApi(apiUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<CaseApi> {
  const url = apiUrl || env.CLOSELOOP_API_URL;
  if (url) {
    checkApiUrl(url);
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? /execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
    if (!region) throw new CliError('Set AWS_REGION: the API URL does not name its region.', EXIT.usage);
    const provider = defaultProvider();
    return { baseUrl: url.replace(/\/+$/, ''), region, credentials: () => provider(), description: `the API at ${url.replace(/\/+$/, '')} (${region})` };
  }
  const sandbox = await localSandbox();
  if (sandbox) {
    return {
      baseUrl: sandbox.endpoints.publicApi,
      region: sandbox.region,
      credentials: async () => sandbox.credentials,
      description: `the sandbox at ${sandbox.endpoints.publicApi}`,
    };
  }
  throw new CliError(
    'No case API: pass --api-url <the stack output ApiUrl> (or set CLOSELOOP_API_URL), or start the sandbox here with `npx closeloop sandbox`.',
    EXIT.usage,
  );
}

/** Where a signed request may go: https, or plain http to this machine only (the sandbox). */
const LOOPBACK_HOSTNAMES = ['127.0.0.1', 'localhost', '[::1]'];

function checkApiUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--api-url: "${url}" is not a URL`, EXIT.usage);
  }
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && LOOPBACK_HOSTNAMES.includes(parsed.hostname)) return;
  throw new CliError(
    `--api-url: "${url}" is not https://. A signed request carries personal data (an address to erase, a reply); plain http:// only to 127.0.0.1, localhost or [::1].`,
    EXIT.usage,
  );
}

/** What a command expects a 2xx answer to be: anything else is not printed as a success. */
export type AnswerShape = { readonly describe: string; readonly accepts: (value: unknown) => boolean };

/** Any JSON object: the least a 2xx answer of the case API is. */
export const JSON_OBJECT: AnswerShape = { describe: 'a JSON object', accepts: (value) => typeof value === 'object' && value !== null && !Array.isArray(value) };

const STATUS_EXIT: Record<number, number> = { 401: EXIT.credentials, 403: EXIT.credentials, 404: EXIT.notFound, 409: EXIT.conflict };

/**
 * Calls the case API; returns the parsed JSON of a 2xx answer of the expected shape, or throws
 * CliError (the API's message and the matching exit code; for any other answer, the URL and what
 * came back). A redirect is never followed: a signed request and its body go only where asked.
 */
export async function callCaseApi(
  api: CaseApi,
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, unknown>,
  shape: AnswerShape = JSON_OBJECT,
): Promise<unknown> {
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await api.credentials();
  } catch (error) {
    throw new CliError(
      `No AWS credentials for ${api.description}: ${(error as Error).message}. Configure them (aws configure, AWS_PROFILE, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables).`,
      EXIT.credentials,
    );
  }
  let response: Response;
  try {
    response = await signedFetch(`${api.baseUrl}${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) }, { region: api.region, credentials });
  } catch (error) {
    if (error instanceof RedirectRefusedError) throw new CliError(`${api.baseUrl}${path}: ${error.message}`);
    throw new CliError(`${api.description} did not answer (${error instanceof Error ? error.message : String(error)}).`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  if (!response.ok) {
    const message = typeof parsed === 'object' && parsed && 'message' in parsed ? String((parsed as { message: unknown }).message) : text;
    throw new CliError(`${response.status}: ${message}`, STATUS_EXIT[response.status] ?? EXIT.failure);
  }
  if (!shape.accepts(parsed)) {
    throw new CliError(`${api.baseUrl}${path} answered ${response.status} with something that is not ${shape.describe}: nothing is reported as done.`);
  }
  return parsed;
}
