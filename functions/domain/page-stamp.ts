import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Which page a stamp was rendered on: the rating form, its confirmation, the unsubscribe form and
 * its confirmation. A stamp from one does not count for another, so a scanner cannot skip a step
 * by posting a field that says it did.
 */
export type StampPurpose = 'rating' | 'rating-confirm' | 'unsubscribe' | 'unsubscribe-confirm';

/** A page's render time, signed by the server for one link token and one page. */
export interface PageStamps {
  /** `<epoch ms>.<HMAC-SHA256, base64url>`: the hidden `t` field of the page's form. */
  sign(purpose: StampPurpose, token: string, renderedAt: number): string;
  /** The render time, when `stamp` was signed with this key for this purpose and token; otherwise undefined. */
  verify(purpose: StampPurpose, token: string, stamp: string | undefined): number | undefined;
}

/** Shorter keys are refused: an HMAC key should carry at least the hash's 256 bits (RFC 2104 §3). */
export const MIN_KEY_LENGTH = 32;
const STAMP = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

export class WeakSigningKeyError extends Error {
  override readonly name = 'WeakSigningKeyError';
}

/**
 * Signs and checks page stamps with one key (the stack's generated secret; the sandbox's own).
 * The client chooses nothing in a stamp: without the key it can neither pick a render time (to fake
 * time on the page) nor move a stamp to another link or page.
 */
export function pageStamps(key: string): PageStamps {
  if (key.length < MIN_KEY_LENGTH) throw new WeakSigningKeyError(`The page signing key has ${key.length} characters; at least ${MIN_KEY_LENGTH} are needed`);
  const mac = (purpose: StampPurpose, token: string, renderedAt: string) =>
    createHmac('sha256', key).update(`closeloop-page-stamp\n${purpose}\n${token}\n${renderedAt}`).digest();
  return {
    sign: (purpose, token, renderedAt) => `${renderedAt}.${mac(purpose, token, String(renderedAt)).toString('base64url')}`,
    verify: (purpose, token, stamp) => {
      const match = stamp === undefined ? null : STAMP.exec(stamp);
      if (!match) return undefined;
      const [, renderedAt = '', signature = ''] = match;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(purpose, token, renderedAt);
      return given.length === expected.length && timingSafeEqual(given, expected) ? Number(renderedAt) : undefined;
    },
  };
}
