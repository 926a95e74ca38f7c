import { describe, expect, it } from 'vitest';
import { normaliseComment } from '../../../functions/domain/invitation.js';
import { cleanMultilineText } from '../../../functions/domain/text.js';

describe('cleanMultilineText: notes, replies and comments as plain lines', () => {
  it('makes every line break LF and every tab a space, and trims line ends', () => {
    expect(cleanMultilineText('one\r\ntwo\rthree\u2028four\u2029five\u0085six \t\nseven\tend  ')).toBe('one\ntwo\nthree\nfour\nfive\nsix\nseven end');
  });

  it('removes C0, DEL, C1 and bidi controls (a terminal title, a hidden text, a reordered file name)', () => {
    expect(cleanMultilineText('\u001b]0;owned\u0007Hi\u001b[8m hidden\u007f\u009b \u202Efdp.exe\u202C \u2066x\u2069')).toBe(']0;ownedHi[8m hidden fdp.exe x');
  });

  it('keeps what reads as text: Persian and Thai with their joiners, emoji sequences', () => {
    const persian = 'می\u200Cخواهم';
    expect(cleanMultilineText(`${persian}\nสวัสดีครับ 👩\u200D💻`)).toBe(`${persian}\nสวัสดีครับ 👩\u200D💻`);
  });

  it('is what a stored comment is made of', () => {
    expect(normaliseComment('Late.\r\nVery\u202E late\t!')).toBe('Late.\nVery late !');
    expect(normaliseComment(' \u0007 ')).toBeUndefined();
  });
});
