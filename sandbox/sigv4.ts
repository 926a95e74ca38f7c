import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, in the shape SignatureV4 wants. */
export class NodeSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', Buffer.from(secret as Uint8Array)) : createHash('sha256');
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not supported');
  }
}

export interface SigV4Request {
  readonly method: string;
  /** The path as sent (still percent-encoded), without the query. */
  readonly path: string;
  readonly query: Record<string, string | string[]>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Why a request is refused, in API Gateway's words where it has them. */
export type SigV4Result = { ok: true; accessKeyId: string } | { ok: false; message: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** API Gateway refuses a signature older or newer than this. */
const MAX_SKEW_MS = 5 * 60 * 1000;

const header = (headers: SigV4Request['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/**
 * Verifies an `Authorization: AWS4-HMAC-SHA256 …` header as an IAM-authorised API Gateway route
 * does, against the one key pair the sandbox made at start: the key id, the scope (region,
 * `execute-api`), the time (±5 minutes), the body's hash when it is signed, and the signature,
 * recomputed by @smithy/signature-v4 over exactly the headers the client signed.
 */
export async function verifySigV4(request: SigV4Request, credentials: SigV4Credentials, region: string, now = Date.now()): Promise<SigV4Result> {
  const authorization = header(request.headers, 'authorization');
  if (!authorization) return { ok: false, message: 'Missing Authentication Token' };
  const parts = AUTHORIZATION.exec(authorization);
  if (!parts) return { ok: false, message: 'Authorization header requires a SigV4 Credential, SignedHeaders and Signature.' };
  const [, accessKeyId, scopeDate = '', scopeRegion, service, signedList = '', signature = ''] = parts;
  if (accessKeyId !== credentials.accessKeyId) return { ok: false, message: 'The security token included in the request is invalid.' };
  if (scopeRegion !== region || service !== 'execute-api')
    return { ok: false, message: `Credential should be scoped to region ${region} and service execute-api.` };
  const date = AMZ_DATE.exec(header(request.headers, 'x-amz-date') ?? '');
  if (!date) return { ok: false, message: 'The request must carry X-Amz-Date.' };
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  const signingDate = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s));
  if (`${date[1]}${date[2]}${date[3]}` !== scopeDate) return { ok: false, message: 'The credential scope date does not match X-Amz-Date.' };
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS)
    return { ok: false, message: 'Signature expired: X-Amz-Date is more than 5 minutes from the sandbox clock.' };

  const signedHeaders = signedList!.split(';');
  if (!signedHeaders.includes('host')) return { ok: false, message: 'The Host header must be signed.' };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) return { ok: false, message: `Signed header ${name} is missing.` };
    headers[name] = value;
  }
  // The signer trusts a given payload hash; here it must be the body's.
  const claimedHash = headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) {
    return { ok: false, message: 'The body does not match X-Amz-Content-Sha256.' };
  }
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: claimedHash !== undefined,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: String(headers.host).replace(/:\d+$/, ''),
      path: request.path,
      query: request.query,
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const same = expected.length === signature!.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
  if (!same) return { ok: false, message: 'The request signature we calculated does not match the signature you provided.' };
  return { ok: true, accessKeyId };
}
