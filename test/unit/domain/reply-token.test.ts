import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseIdFor } from '../../../functions/domain/follow-up-case.js';
import { REPLY_LOCAL_PREFIX, REPLY_TOKEN_LENGTH, ReplyTokens } from '../../../functions/domain/reply-token.js';

const tokens = new ReplyTokens('reply-token-secret-of-this-stack');
const caseIds = fc.string({ minLength: 1, maxLength: 40 }).map((seed) => caseIdFor(seed, 'detractor'));

describe('reply tokens (Reply-To: reply+<token>@<inbound domain>)', () => {
  it('name their case, in lower-case base32 with at least 128 bits of tag, within a 64-character local part', () => {
    fc.assert(
      fc.property(caseIds, (caseId) => {
        const token = tokens.tokenFor(caseId);
        expect(token).toMatch(/^[a-z2-7]+$/);
        expect(token).toHaveLength(REPLY_TOKEN_LENGTH);
        // 26 base32 characters of tag: 130 bits written, 128 of them the HMAC's.
        expect(REPLY_TOKEN_LENGTH - 27).toBeGreaterThanOrEqual(Math.ceil(128 / 5));
        expect(`${REPLY_LOCAL_PREFIX}${token}`.length).toBeLessThanOrEqual(64);
        expect(tokens.caseOf(token)).toBe(caseId);
        expect(tokens.caseOf(token.toUpperCase())).toBe(caseId);
        expect(tokens.tokenFor(caseId)).toBe(token);
      }),
    );
  });

  it('are refused when changed in any character, made with another secret, or not ours at all', () => {
    const caseId = caseIdFor('h', 'detractor');
    const token = tokens.tokenFor(caseId);
    for (let i = 0; i < token.length; i++) {
      const other = token[i] === 'a' ? 'b' : 'a';
      expect(tokens.caseOf(token.slice(0, i) + other + token.slice(i + 1))).toBeUndefined();
    }
    expect(new ReplyTokens('another-stack').caseOf(token)).toBeUndefined();
    for (const wrong of ['', 'reply', token.slice(1), `${token}a`, token.replace(/[a-z]/, '1'), 'a'.repeat(REPLY_TOKEN_LENGTH)]) {
      expect(tokens.caseOf(wrong)).toBeUndefined();
    }
  });

  it('never name a case for random text (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(tokens.caseOf(text)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z2-7]{53}$/), (text) => {
        expect(tokens.caseOf(text)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('are read from an address of the inbound domain only, its domain and prefix compared case-insensitively', () => {
    const caseId = caseIdFor('k', 'promoter');
    const address = tokens.addressFor(caseId, 'inbound.example.com');
    expect(address).toMatch(/^reply\+[a-z2-7]{53}@inbound\.example\.com$/);
    expect(tokens.caseOfAddress(address, 'inbound.example.com')).toBe(caseId);
    expect(tokens.caseOfAddress(address.toUpperCase(), 'inbound.example.com')).toBe(caseId);
    expect(tokens.caseOfAddress(address.replace('inbound.example.com', 'evil.example.com'), 'inbound.example.com')).toBeUndefined();
    expect(tokens.caseOfAddress(address.replace('reply+', 'other+'), 'inbound.example.com')).toBeUndefined();
    expect(tokens.caseOfAddress('reply@inbound.example.com', 'inbound.example.com')).toBeUndefined();
    expect(() => new ReplyTokens('')).toThrow(/empty/);
    expect(() => tokens.tokenFor('not a case id')).toThrow(/case id/);
  });
});
