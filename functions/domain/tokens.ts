import { createHash, randomBytes } from 'node:crypto';

/** 16 random bytes = 128 bits from the OS CSPRNG, base64url without padding: 22 characters. */
const TOKEN_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** An unsubscribe token is a SHA-256, base64url: 43 characters. Links sent before it existed carry the rating token (22). */
const UNSUBSCRIBE_TOKEN_PATTERN = /^(?:[A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{43})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** A new rating-link token. It carries no personal data; only a hash of a hash of it is ever stored. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function isWellFormedUnsubscribeToken(token: string): boolean {
  return UNSUBSCRIBE_TOKEN_PATTERN.test(token);
}

/**
 * The token of an invitation's unsubscribe link (List-Unsubscribe header and footer), derived one
 * way from its rating token: whoever holds the unsubscribe URL — a mail provider acting on
 * List-Unsubscribe, a scanner that opened the footer — cannot compute the rating token from it, so
 * cannot answer the survey.
 */
export function unsubscribeTokenFor(ratingToken: string): string {
  return sha256(`closeloop-unsubscribe\n${ratingToken}`);
}

/**
 * The storage key of an invitation, from its rating token: the SHA-256 of its unsubscribe token.
 * Both links find the one item without an index or a second item, and a leaked table yields
 * neither a working rating link nor a working unsubscribe link.
 */
export function hashToken(ratingToken: string): string {
  return unsubscribeKeyOf(unsubscribeTokenFor(ratingToken));
}

/** The storage key an unsubscribe link's token names. */
export function unsubscribeKeyOf(unsubscribeToken: string): string {
  return sha256(unsubscribeToken);
}

/**
 * The storage key of an invitation sent before unsubscribe tokens existed: the SHA-256 of its
 * rating token, which its email also carried as the unsubscribe token. Such links keep working
 * until they expire (`invitationTtlDays`); see docs/security.md.
 */
export function legacyTokenHash(ratingToken: string): string {
  return sha256(ratingToken);
}
