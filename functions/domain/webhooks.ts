import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks wire format (standardwebhooks.com): the three headers and the signature
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's bytes (the part after
 * `whsec_`, base64-decoded, as the spec and its libraries read it).
 */
export interface SignedWebhook {
  readonly headers: {
    readonly 'webhook-id': string;
    readonly 'webhook-timestamp': string;
    readonly 'webhook-signature': string;
    readonly 'content-type': 'application/json';
  };
  readonly body: string;
}

const SECRET_PREFIX = 'whsec_';

export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
}

/** The signing key: the secret without `whsec_`, base64-decoded. */
export function signingKey(secret: string): Buffer {
  const encoded = secret.trim().startsWith(SECRET_PREFIX) ? secret.trim().slice(SECRET_PREFIX.length) : secret.trim();
  const key = Buffer.from(encoded, 'base64');
  // 24 bytes is the spec's minimum (it recommends 32 random bytes, e.g. `whsec_$(openssl rand -base64 32)`).
  if (key.length < 24 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new InvalidWebhookSecretError('the webhook secret is not whsec_ followed by at least 24 base64-encoded bytes');
  }
  return key;
}

/** `v1,<signature>` of one message. */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The `{ type, timestamp, data }` body, serialised once: the signature covers these exact bytes. */
export function webhookBody(type: string, timestamp: string, data: unknown): string {
  return JSON.stringify({ type, timestamp, data });
}

export function signWebhook(secret: string, id: string, at: Date, body: string): SignedWebhook {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(secret, id, timestamp, body),
      'content-type': 'application/json',
    },
    body,
  };
}
