import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { INBOUND_TOLERANCE_SECONDS, UnauthorisedWebhookError, type VerifiedWebhook } from './hooks.js';

/**
 * Zendesk's own webhook signing (developer.zendesk.com, "Verifying webhook authenticity"): the
 * headers `X-Zendesk-Webhook-Signature` (base64 of the HMAC-SHA256 of the timestamp followed by the
 * raw body, keyed with the webhook's signing secret) and `X-Zendesk-Webhook-Signature-Timestamp`
 * (ISO 8601). Checked with the same 5-minute tolerance as Standard Webhooks, in constant time. Zendesk
 * sends no request id: the id of a verified request is a hash of its timestamp and signature, so a
 * replay (the same request again) is refused by the hooks' receipts.
 */
export function verifyZendeskWebhook(secret: string, headers: Readonly<Record<string, string | undefined>>, body: string, now: Date): VerifiedWebhook {
  const header = (name: string) => headers[name] ?? headers[name.toLowerCase()];
  const signature = header('x-zendesk-webhook-signature');
  const timestamp = header('x-zendesk-webhook-signature-timestamp');
  if (!signature || !timestamp) {
    throw new UnauthorisedWebhookError('unsigned: x-zendesk-webhook-signature and x-zendesk-webhook-signature-timestamp are required');
  }
  if (timestamp.length > 64 || !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(timestamp)) {
    throw new UnauthorisedWebhookError('x-zendesk-webhook-signature-timestamp is not an ISO 8601 time');
  }
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) throw new UnauthorisedWebhookError('x-zendesk-webhook-signature-timestamp is not a time');
  const skew = (at - now.getTime()) / 1000;
  if (skew < -INBOUND_TOLERANCE_SECONDS) throw new UnauthorisedWebhookError('the Zendesk timestamp is more than 5 minutes old');
  if (skew > INBOUND_TOLERANCE_SECONDS) throw new UnauthorisedWebhookError('the Zendesk timestamp is more than 5 minutes in the future');
  const expected = Buffer.from(
    createHmac('sha256', secret)
      .update(timestamp + body)
      .digest('base64'),
  );
  const given = Buffer.from(signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new UnauthorisedWebhookError('the Zendesk signature does not match the signing secret');
  return {
    id: `zendesk-${createHash('sha256').update(`${timestamp}\n${signature.trim()}`).digest('base64url').slice(0, 32)}`,
    timestamp: Math.floor(at / 1000),
  };
}

/**
 * The body Closeloop's two Zendesk triggers send (docs/integrations.md): the ticket (Closeloop's tickets
 * carry the case id as `external_id`), and what happened: `solved` (the ticket was solved: the case is
 * resolved, its root cause from the ticket field when it holds one of the catalog's) or `note` (an
 * agent's private comment: a note on the case). Placeholders Zendesk leaves empty arrive as "".
 */
export const zendeskHookSchema = z.object({
  event: z.enum(['solved', 'note']),
  ticket: z.object({
    id: z.union([z.string(), z.number()]).check(z.refine((value) => String(value).length <= 32, 'at most 32 characters')),
    external_id: z.string().check(z.maxLength(64)),
    root_cause: z.optional(z.string().check(z.maxLength(200))),
  }),
  comment: z.optional(z.string().check(z.maxLength(20_000))),
  author: z.optional(z.string().check(z.maxLength(320))),
});
export type ZendeskHook = z.infer<typeof zendeskHookSchema>;

/**
 * What a verified Zendesk hook asks of the case: its id, and the transition with its fields. A root
 * cause the catalog does not know (or an empty field) falls back to the integration's `defaultRootCause`.
 */
export function zendeskTransition(
  hook: ZendeskHook,
  options: { readonly rootCauses: readonly string[]; readonly defaultRootCause: string },
):
  | { readonly caseId: string; readonly transition: 'resolve'; readonly rootCause: string; readonly note: string }
  | { readonly caseId: string; readonly transition: 'note'; readonly note: string } {
  const caseId = hook.ticket.external_id.trim();
  const ticket = `Zendesk #${String(hook.ticket.id).trim()}`;
  const by = hook.author?.trim() ? ` (${hook.author.trim()})` : '';
  const comment = hook.comment?.trim() ?? '';
  if (hook.event === 'note') return { caseId, transition: 'note', note: `${ticket}${by}: ${comment}` };
  const field = hook.ticket.root_cause?.trim() ?? '';
  const rootCause = options.rootCauses.includes(field) ? field : options.defaultRootCause;
  return { caseId, transition: 'resolve', rootCause, note: `${ticket} solved${by}${comment ? `: ${comment}` : ''}` };
}
