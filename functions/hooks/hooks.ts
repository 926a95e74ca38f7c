import { timingSafeEqual } from 'node:crypto';
import { webhookSignature } from '../domain/webhooks.js';

/** How far a request's `webhook-timestamp` may be from now, either way (the Standard Webhooks libraries' tolerance). */
export const INBOUND_TOLERANCE_SECONDS = 5 * 60;

/** Why a request is not the integration's own, fresh one: said in the log, never to the caller (401 to every kind). */
export class UnauthorisedWebhookError extends Error {
  override readonly name = 'UnauthorisedWebhookError';
}

export interface VerifiedWebhook {
  readonly id: string;
  /** Epoch seconds, as signed. */
  readonly timestamp: number;
}

const header = (headers: Readonly<Record<string, string | undefined>>, name: string) => headers[name] ?? headers[name.toLowerCase()];

/**
 * Checks a Standard Webhooks request (standardwebhooks.com) as the `standardwebhooks` libraries do:
 * the three headers present, the timestamp within ±5 minutes of `now`, and one of the
 * space-separated `v1,<signature>` values equal (in constant time) to the HMAC-SHA256 of
 * `id.timestamp.body` keyed with the secret. `body` is the raw text as received.
 */
export function verifyWebhook(secret: string, headers: Readonly<Record<string, string | undefined>>, body: string, now: Date): VerifiedWebhook {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new UnauthorisedWebhookError('unsigned: webhook-id, webhook-timestamp and webhook-signature are required');
  if (id.length > 256 || !/^[\x21-\x7e]+$/.test(id)) throw new UnauthorisedWebhookError('webhook-id is not a printable id of at most 256 characters');
  if (!/^\d{1,12}$/.test(timestamp)) throw new UnauthorisedWebhookError('webhook-timestamp is not whole epoch seconds');
  const seconds = Number(timestamp);
  const skew = seconds - Math.floor(now.getTime() / 1000);
  if (skew < -INBOUND_TOLERANCE_SECONDS) throw new UnauthorisedWebhookError('webhook-timestamp is more than 5 minutes old');
  if (skew > INBOUND_TOLERANCE_SECONDS) throw new UnauthorisedWebhookError('webhook-timestamp is more than 5 minutes in the future');
  const expected = Buffer.from(webhookSignature(secret, id, seconds, body));
  const matches = signatures
    .split(' ')
    .map((signature) => Buffer.from(signature))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
  if (!matches) throw new UnauthorisedWebhookError('no webhook-signature matches the integration secret');
  return { id, timestamp: seconds };
}
