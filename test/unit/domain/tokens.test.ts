import { describe, expect, it } from 'vitest';
import { hashToken, isWellFormedToken, newToken } from '../../../functions/domain/tokens.js';

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
