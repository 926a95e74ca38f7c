import { RecipientRejectedError } from './ports.js';

/**
 * The send ledger's protocol, the part every stage that emails people shares: claim with a lease →
 * send → mark sent, or release (a transient failure, for the retry) or skip (refused for good). The
 * claim itself is each stage's own item (its adapter); this is what happens around the send.
 */

/**
 * Another delivery holds the claim and may still be sending: thrown so the event source delivers
 * again later, when the lease has ended or the send is marked. One error for every stage that sends.
 */
export class SendInProgressError extends Error {
  override readonly name = 'SendInProgressError';
}

/** What the ledger does with one claimed entry. */
export interface ClaimedSend {
  /** The email was accepted: the entry becomes sent (a redelivery then does nothing). */
  markSent(at: Date): Promise<void>;
  /** A transient failure: back to claimable, so the retry sends. */
  release(): Promise<void>;
  /** The mail service refused the recipient for good: decided, not sent. */
  reject(at: Date): Promise<void>;
}

/** `marked: false`: the sent mark failed after the mail service accepted the email; only a takeover after the lease could send again. */
export type LedgerOutcome = { status: 'sent'; messageId: string; marked: boolean } | { status: 'skipped'; reason: 'rejected' };

/**
 * Sends a claimed entry's email: a refusal for good is recorded as such; any other failure releases
 * the claim and is thrown (the SDK has retried throttling first); after the send, the sent mark. A
 * failed mark is not thrown: the email is out, and a retry would find the claim held, not send again.
 */
export async function sendClaimed(entry: ClaimedSend, send: () => Promise<{ messageId: string }>, now: () => Date): Promise<LedgerOutcome> {
  let messageId: string;
  try {
    ({ messageId } = await send());
  } catch (error) {
    if (error instanceof RecipientRejectedError) {
      await entry.reject(now());
      return { status: 'skipped', reason: 'rejected' };
    }
    await entry.release();
    throw error;
  }
  const marked = await entry.markSent(now()).then(
    () => true,
    () => false,
  );
  return { status: 'sent', messageId, marked };
}
