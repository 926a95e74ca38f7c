import { describe, expect, it } from 'vitest';
import { MIN_KEY_LENGTH, pageStamps, WeakSigningKeyError } from '../../../functions/domain/page-stamp.js';

const KEY = 'k'.repeat(MIN_KEY_LENGTH);
const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';
const AT = Date.parse('2026-11-22T12:00:00Z');

describe('pageStamps', () => {
  const stamps = pageStamps(KEY);

  it('gives back the render time it signed, for the same page and token', () => {
    const stamp = stamps.sign('rating', TOKEN, AT);
    expect(stamp).toMatch(new RegExp(`^${AT}\\.[A-Za-z0-9_-]{43}$`));
    expect(stamps.verify('rating', TOKEN, stamp)).toBe(AT);
  });

  it('refuses a render time the client chose (the forged dwell of the finding)', () => {
    const [, signature] = stamps.sign('rating', TOKEN, AT).split('.');
    expect(stamps.verify('rating', TOKEN, `${AT - 600_000}.${signature}`)).toBeUndefined();
    expect(stamps.verify('rating', TOKEN, String(AT - 600_000))).toBeUndefined();
    expect(stamps.verify('rating', TOKEN, undefined)).toBeUndefined();
    expect(stamps.verify('rating', TOKEN, '')).toBeUndefined();
  });

  it('does not carry a stamp over to another page or another link', () => {
    const stamp = stamps.sign('rating', TOKEN, AT);
    expect(stamps.verify('rating-confirm', TOKEN, stamp)).toBeUndefined();
    expect(stamps.verify('unsubscribe', TOKEN, stamp)).toBeUndefined();
    expect(stamps.verify('rating', TOKEN.replace('Z', 'Y'), stamp)).toBeUndefined();
  });

  it('refuses a stamp signed with another key', () => {
    expect(pageStamps('x'.repeat(64)).verify('rating', TOKEN, stamps.sign('rating', TOKEN, AT))).toBeUndefined();
  });

  it('refuses a flipped signature bit and a truncated signature', () => {
    const stamp = stamps.sign('unsubscribe-confirm', TOKEN, AT);
    const last = stamp.at(-1) === 'A' ? 'B' : 'A';
    expect(stamps.verify('unsubscribe-confirm', TOKEN, stamp.slice(0, -1) + last)).toBeUndefined();
    expect(stamps.verify('unsubscribe-confirm', TOKEN, stamp.slice(0, -2))).toBeUndefined();
  });

  it('will not sign with a short key', () => {
    expect(() => pageStamps('k'.repeat(MIN_KEY_LENGTH - 1))).toThrow(WeakSigningKeyError);
  });
});
