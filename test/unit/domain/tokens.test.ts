import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashToken,
  isWellFormedToken,
  isWellFormedUnsubscribeToken,
  legacyTokenHash,
  newToken,
  unsubscribeKeyOf,
  unsubscribeTokenFor,
} from '../../../functions/domain/tokens.js';

describe('rating-link tokens', () => {
  it('are 128-bit base64url strings, different every time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(isWellFormedToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(16);
    }
  });

  it('hash to a stable key that is not the token', () => {
    const token = newToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toContain(token);
    expect(hashToken(token)).not.toBe(hashToken(newToken()));
  });

  it.each(['', 'short', `${'a'.repeat(21)}!`, 'a'.repeat(23), '../../etc/passwd'])('rejects the malformed token %j', (token) => {
    expect(isWellFormedToken(token)).toBe(false);
  });
});

describe('unsubscribe tokens', () => {
  it('are derived from the rating token, are not it, and do not contain it', () => {
    const token = newToken();
    const unsubscribe = unsubscribeTokenFor(token);
    expect(unsubscribe).toBe(unsubscribeTokenFor(token));
    expect(unsubscribe).not.toContain(token);
    expect(unsubscribe).not.toBe(unsubscribeTokenFor(newToken()));
    expect(isWellFormedUnsubscribeToken(unsubscribe)).toBe(true);
    // Not usable where a rating token is expected: a rating token has 22 characters.
    expect(isWellFormedToken(unsubscribe)).toBe(false);
  });

  it('name the same stored invitation as the rating token, and the rating token does not name it as an unsubscribe token', () => {
    const token = newToken();
    expect(unsubscribeKeyOf(unsubscribeTokenFor(token))).toBe(hashToken(token));
    expect(unsubscribeKeyOf(token)).not.toBe(hashToken(token));
  });

  it('leave invitations sent before them under the SHA-256 of the rating token, which their unsubscribe links carried', () => {
    const token = newToken();
    expect(legacyTokenHash(token)).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(unsubscribeKeyOf(token)).toBe(legacyTokenHash(token));
    expect(legacyTokenHash(token)).not.toBe(hashToken(token));
  });

  it.each(['', 'a'.repeat(21), 'a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`])('rejects the malformed unsubscribe token %j', (token) => {
    expect(isWellFormedUnsubscribeToken(token)).toBe(false);
  });
});
