import { createHash, randomBytes } from 'node:crypto';

/** 16 random bytes = 128 bits from the OS CSPRNG, base64url without padding: 22 characters. */
const TOKEN_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A new rating-link token. It carries no personal data; only its hash is ever stored. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** The storage key of a token: SHA-256, base64url. A leaked table does not yield working links. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
