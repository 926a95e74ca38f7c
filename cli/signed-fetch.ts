import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { NodeSha256 } from '../sandbox/sigv4.js';

export interface SignedFetchOptions {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
}

/** The API answered with a redirect, which a signed request never follows. */
export class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError';
}

/**
 * fetch() signed with SigV4 for API Gateway (`execute-api`), as IAM-authorised routes require. A
 * redirect is an error (fetch's `redirect: 'error'`): following it would send the signed request, and
 * its body, to wherever the redirect points.
 */
export async function signedFetch(url: string, init: { method: string; body?: string }, options: SignedFetchOptions): Promise<Response> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const headers: Record<string, string> = { host: target.host, ...(init.body ? { 'content-type': 'application/json' } : {}) };
  const signed = await signer.sign({
    method: init.method,
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers,
    body: init.body,
  });
  const { host: _host, ...sendable } = signed.headers;
  try {
    return await fetch(url, { method: init.method, headers: sendable, body: init.body, redirect: 'error' });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && /redirect/i.test(cause.message))
      throw new RedirectRefusedError('answered with a redirect, which a signed request never follows');
    throw error;
  }
}
