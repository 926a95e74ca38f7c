import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanStrings, cleanText, displayText, MAX_DISPLAY_LENGTH } from '../../../functions/domain/text.js';

/** Hostile pieces: line breaks, bidi overrides and isolates, C0/C1 controls, escape sequences, joiners, URLs. */
const hostile = fc.constantFrom(
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\v',
  '\f',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u00A0',
  '\u3000',
  ' ',
  '  ',
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
  '\u0000',
  '\u0007',
  '\u001B[31m',
  '\u001B]8;;https://evil.example\u0007',
  '\u007F',
  '\u009B',
  '\u0090',
  '\u200C',
  '\u200D',
  '\uD83D',
  '\uDE00',
  'https://evil.example/login',
  'Ana',
  'علی',
  'สมชาย',
);
const text = fc
  .array(fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 8 })), { maxLength: 40 })
  .map((parts) => parts.join(''));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** What a reader sees, spacing aside. */
const visible = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD').replace(/[\s\p{Cc}\p{Bidi_Control}]/gu, '');

describe('cleanText (fast-check)', () => {
  it('leaves no control or bidi character, no line break, no run of spaces, nothing at either end', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const cleaned = cleanText(raw);
        expect(cleaned).not.toMatch(/\p{Cc}|\p{Bidi_Control}|[\u2028\u2029]/u);
        expect(cleaned).not.toMatch(/\s\s|^\s|\s$/);
        expect(cleaned).not.toMatch(LONE_SURROGATE);
        expect(cleaned.split(/\r\n|\r|\n/)).toHaveLength(1);
      }),
      { numRuns: 5000 },
    );
  });

  it('loses nothing a reader sees, and is idempotent', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const cleaned = cleanText(raw);
        expect(visible(cleaned)).toBe(visible(raw));
        expect(cleanText(cleaned)).toBe(cleaned);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps ordinary text exactly, joiners included', () => {
    const word = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .map((w) => w.replace(/[\s\p{Cc}\p{Bidi_Control}]/gu, ''))
      .filter((w) => w.length > 0);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (words) => {
        const plain = words.join(' ');
        expect(cleanText(plain)).toBe(plain);
      }),
      { numRuns: 2000 },
    );
    expect(cleanText('می\u200Cخواهم 👩\u200D💻')).toBe('می\u200Cخواهم 👩\u200D💻');
  });
});

describe('displayText (fast-check)', () => {
  it('is the cleaned text, cut to at most 100 code points with an ellipsis when cut', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: 'grapheme', minLength: 90, maxLength: 400 })), (raw) => {
        const cleaned = cleanText(raw);
        const shown = displayText(raw);
        expect(Array.from(shown).length).toBeLessThanOrEqual(MAX_DISPLAY_LENGTH);
        if (Array.from(cleaned).length <= MAX_DISPLAY_LENGTH) expect(shown).toBe(cleaned);
        else {
          expect(shown.endsWith('…')).toBe(true);
          expect(cleaned.startsWith(shown.slice(0, -1))).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('cleanStrings', () => {
  it('cleans every string inside, and keeps keys and other values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const cleaned = cleanStrings(value);
        const strings: string[] = [];
        JSON.stringify(cleaned, (_key, v) => {
          if (typeof v === 'string') strings.push(v);
          return v;
        });
        for (const s of strings) expect(cleanText(s)).toBe(s);
        expect(JSON.stringify(cleanStrings(value, 0), (_k, v) => (typeof v === 'string' ? '' : v))).toBe(
          JSON.stringify(value, (_k, v) => (typeof v === 'string' ? '' : v)),
        );
      }),
      { numRuns: 2000 },
    );
    expect(cleanStrings({ orderId: '10\r\n42', nested: [{ note: '\u202Eevil' }], n: 3 })).toEqual({ orderId: '10 42', nested: [{ note: 'evil' }], n: 3 });
  });
});
