import { unsubscribePageUrl } from '../domain/links.js';
import type { Messages } from '../domain/messages.js';
import { type Notification, outboxSlot } from '../domain/notification.js';
import type { Brand } from '../domain/program.js';
import { newToken, unsubscribeKeyOf, unsubscribeTokenFor } from '../domain/tokens.js';
import type { NotificationOutbox, SurveyMailer } from '../ports.js';
import { SendInProgressError, sendClaimed } from '../send-ledger.js';
import { renderAssigneeEmail } from './assignee-email.js';
import { renderNotificationEmail } from './notification-email.js';

export interface NotifyDeps {
  readonly brand: Brand;
  readonly locales: Readonly<Record<string, Messages>>;
  readonly outbox: NotificationOutbox;
  readonly mailer: SurveyMailer;
  /** Public base URL of the pages (the unsubscribe link), without a trailing slash. */
  readonly publicBaseUrl: string;
  readonly now: () => Date;
  /** How long a claim is held for its send: longer than the function's timeout (config/resources.ts `NOTIFY_LEASE_SECONDS`). */
  readonly leaseSeconds: number;
  /** How long the email's unsubscribe link keeps working, in days (the catalog's `retention.caseDays`). */
  readonly linkDays: number;
  /** A fresh random unsubscribe token per send (tests give fixed ones). @default a 128-bit token, hashed once */
  readonly newUnsubscribeToken?: () => string;
  /** With `inbound`: the case's reply address (Reply-To) and the support address the body names instead. */
  readonly inbound?: { readonly replyTo: (caseId: string) => Promise<string | undefined>; readonly supportEmail: string };
  /** The workspace's inbox URL, when the stack has one: an assignee's email links to the case page. */
  readonly workspaceUrl?: string;
}

export type NotifyOutcome =
  /** `marked: false`: the sent mark failed after SES accepted it; only a takeover after the lease could send again. */
  | { status: 'sent'; messageId: string; marked: boolean }
  /** Not sent: suppressed (unsubscribed, bounced, erased) or refused by SES for good. */
  | { status: 'skipped'; reason: 'suppressed' | 'rejected' }
  /** Nothing to do: sent or decided before (a re-delivered record), or erased. */
  | { status: 'duplicate' | 'gone' };

/**
 * Sends one outbox item at most once, at least once: claim (with the suppression check and the
 * unsubscribe link, one transaction), send, mark sent. A transient failure of the send releases the
 * claim and throws, so the stream's retry sends it; SES throttling is retried by the SDK first.
 * `delivery` names this delivery (the stream record's id): its retry may take its own claim again.
 */
export async function sendNotification(notification: Notification, deps: NotifyDeps, delivery?: string): Promise<NotifyOutcome> {
  // Before the claim: a failure to make the address (its key unreadable) leaves nothing held. An assignee's email is internal: no reply address.
  const replyTo = notification.kind === 'assignee' ? undefined : await deps.inbound?.replyTo(notification.caseId);
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  // The link carries a token whose hash names the contact: like a survey's unsubscribe link, it cannot answer anything.
  const token = deps.newUnsubscribeToken?.() ?? unsubscribeTokenFor(newToken());
  const claimed = await deps.outbox.claim(
    notification,
    nowSeconds,
    nowSeconds + deps.leaseSeconds,
    {
      key: unsubscribeKeyOf(token),
      expiresAt: nowSeconds + deps.linkDays * 86_400,
    },
    delivery,
  );
  const slot = outboxSlot(notification);
  if (claimed === 'held') throw new SendInProgressError(`notification ${slot} of case ${notification.caseId} is held by another delivery`);
  if (claimed === 'done') return { status: 'duplicate' };
  if (claimed === 'gone') return { status: 'gone' };
  if (claimed === 'suppressed') {
    await deps.outbox.skip(notification.caseId, slot, 'suppressed', now);
    return { status: 'skipped', reason: 'suppressed' };
  }
  const unsubscribeUrl = unsubscribePageUrl(deps.publicBaseUrl, token);
  const email =
    notification.kind === 'assignee'
      ? renderAssigneeEmail(notification, unsubscribeUrl, deps.workspaceUrl ? { workspaceUrl: deps.workspaceUrl } : {})
      : renderNotificationEmail(
          notification,
          unsubscribeUrl,
          { brand: deps.brand, locales: deps.locales, publicBaseUrl: deps.publicBaseUrl },
          replyTo && deps.inbound ? { replyTo, supportEmail: deps.inbound.supportEmail } : undefined,
        );
  const { caseId } = notification;
  return sendClaimed(
    {
      markSent: (at) => deps.outbox.markSent(caseId, slot, at),
      release: () => deps.outbox.release(caseId, slot),
      reject: (at) => deps.outbox.skip(caseId, slot, 'rejected', at),
    },
    () => deps.mailer.send(email),
    deps.now,
  );
}
