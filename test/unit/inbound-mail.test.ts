import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Envelope, htmlText, isAutomatic, MAX_PARSED_TEXT, MAX_REPLY_TEXT, readMail, visibleReply } from '../../functions/inbound/mail.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/mail');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
const envelope = (overrides: Partial<Envelope> = {}): Envelope => ({ source: 'customer@example.com', messageId: 'ses-0001', truncated: false, ...overrides });
const settings = { senderEmail: 'feedback@example.com' };
const encoder = new TextEncoder();

/** A plain message with these headers and body. */
const message = (headers: Record<string, string>, body: string) =>
  encoder.encode(
    `${Object.entries({
      From: 'Mari <mari@example.com>',
      To: 'reply+x@inbound.example.com',
      Subject: 'Re: hello',
      'Message-ID': '<m-1@example.com>',
      ...headers,
    })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n${body}`,
  );

describe("a customer's reply, as mail clients write it", () => {
  it('Gmail: keeps the new text, drops "On … wrote:" and the quoted lines (the plain part of multipart/alternative)', async () => {
    const mail = await readMail(fixture('gmail.eml'), envelope(), settings);
    expect(mail).toEqual({
      kind: 'reply',
      from: 'mari.tamm@gmail.com',
      messageId: 'CAF3k9Qx7bN2vYq1+gmail-reply-0001@mail.gmail.com',
      text: 'Thank you, the parcel came this morning. The box was dented though.',
      dropped: [],
    });
  });

  it('Outlook: drops "-----Original Message-----" and the header block after it', async () => {
    const mail = await readMail(fixture('outlook.eml'), envelope(), settings);
    expect(mail).toMatchObject({ kind: 'reply', from: 'ivan.horvat@outlook.com', text: 'Paket je stigao, hvala. Kurir je bio vrlo ljubazan.' });
  });

  it('Apple Mail: Thai text kept (quoted-printable UTF-8), "Sent from my iPhone" and the "> " quote dropped', async () => {
    const mail = await readMail(fixture('apple.eml'), envelope(), settings);
    expect(mail).toMatchObject({ kind: 'reply', from: 'somchai@icloud.com', text: 'ได้รับของแล้ว ขอบคุณครับ' });
  });

  it('a "-- " signature is dropped; Persian and English lines kept in order', async () => {
    const mail = await readMail(fixture('signature.eml'), envelope(), settings);
    expect(mail).toMatchObject({ kind: 'reply', from: 'sara@example.ir', text: 'بسته رسید، ممنون.\nThe courier called first, which helped.' });
  });

  it('HTML only: converted to text', async () => {
    const mail = await readMail(
      message({ 'Content-Type': 'text/html; charset=utf-8' }, '<p>The <b>courier</b> came.</p><p>Thanks!</p><script>alert(1)</script>'),
      envelope(),
      settings,
    );
    expect(mail.kind).toBe('reply');
    expect(mail.kind === 'reply' && mail.text).toMatch(/^The courier came\.\s+Thanks!$/);
  });

  it('attachments dropped and said so; a message cut at 1 MB said so; text past the limit cut and said so', async () => {
    const boundary = 'b-1';
    const raw = message(
      { 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
      [
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'x'.repeat(MAX_REPLY_TEXT + 50),
        `--${boundary}`,
        'Content-Type: image/png',
        'Content-Disposition: attachment; filename="box.png"',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        `--${boundary}--`,
        '',
      ].join('\r\n'),
    );
    const mail = await readMail(raw, envelope({ truncated: true }), settings);
    expect(mail.kind === 'reply' && mail.text.length).toBe(MAX_REPLY_TEXT);
    expect(mail.kind === 'reply' && mail.dropped).toEqual(['1 attachment dropped', 'only the first 1 MB read', 'cut at 5,000 characters']);
  });
});

describe('never a loop: what is not a person writing back is ignored', () => {
  it('auto-replies: Auto-Submitted other than "no", X-Autoreply, Precedence bulk/auto_reply', async () => {
    expect(await readMail(fixture('auto-reply.eml'), envelope(), settings)).toEqual({ kind: 'ignored', reason: 'auto-reply' });
    const automatic: Record<string, string>[] = [
      { 'X-Autoreply': 'yes' },
      { Precedence: 'bulk' },
      { Precedence: 'auto_reply' },
      { 'Auto-Submitted': 'auto-generated; foo' },
    ];
    for (const headers of automatic) {
      expect(await readMail(message(headers, 'Away.'), envelope(), settings)).toEqual({ kind: 'ignored', reason: 'auto-reply' });
    }
    expect(await readMail(message({ 'Auto-Submitted': 'no' }, 'Hello, a person here.'), envelope(), settings)).toMatchObject({ kind: 'reply' });
    expect(isAutomatic([{ key: 'auto-submitted', value: 'No' }])).toBe(false);
  });

  it('bounces: a delivery status report, the null sender, a mailer daemon', async () => {
    expect(await readMail(fixture('bounce.eml'), envelope(), settings)).toEqual({ kind: 'ignored', reason: 'bounce' });
    expect(await readMail(message({}, 'Hi'), envelope({ source: '' }), settings)).toEqual({ kind: 'ignored', reason: 'bounce' });
    expect(await readMail(message({ From: 'postmaster@example.net' }, 'Hi'), envelope(), settings)).toEqual({ kind: 'ignored', reason: 'bounce' });
  });

  it("Closeloop's own messages (its header or its sender), a virus, nothing left to read", async () => {
    expect(await readMail(message({ 'X-Closeloop-Notification': 'acknowledgement' }, 'Hi'), envelope(), settings)).toEqual({
      kind: 'ignored',
      reason: 'own-message',
    });
    expect(await readMail(message({ From: 'Shop <FEEDBACK@example.com>' }, 'Hi'), envelope(), settings)).toEqual({ kind: 'ignored', reason: 'own-message' });
    expect(await readMail(message({}, 'Hi'), envelope({ virusVerdict: 'FAIL' }), settings)).toEqual({ kind: 'ignored', reason: 'virus' });
    expect(await readMail(message({}, '> only a quote\n'), envelope(), settings)).toEqual({ kind: 'ignored', reason: 'no-text' });
  });

  it('falls back to SES’s message id without a Message-ID header', async () => {
    const mail = await readMail(message({ 'Message-ID': '' }, 'Hi there'), envelope({ messageId: 'ses-42' }), settings);
    expect(mail).toMatchObject({ kind: 'reply', messageId: 'ses-42' });
  });
});

describe('hostile text', () => {
  it('the reply parser reads at most 64 KiB of it: patterns that backtrack stay bounded (a megabyte of them within the test timeout)', () => {
    const worst = 'Op\nschreef '.repeat(100_000);
    expect(worst.length).toBeGreaterThan(MAX_PARSED_TEXT * 10);
    expect(visibleReply(worst).length).toBeLessThanOrEqual(MAX_PARSED_TEXT);
    expect(htmlText('<script>'.repeat(130_000))).toBe('');
    expect(
      htmlText('<blockquote>a'.repeat(50_000))
        .split('\n')
        .filter((line) => line.startsWith('> ')).length,
    ).toBe(50_000);
  });

  it('HTML: quoted blocks become "> " lines, scripts and styles vanish, entities are decoded, tags removed', () => {
    expect(htmlText('<div>Thank you &amp; bye&#33;</div><style>p{}</style><blockquote>Hello<br>there</blockquote><p>x&lt;y &#x1F600;</p>')).toBe(
      'Thank you & bye!\n\n> Hello\n> there\nx<y 😀\n',
    );
  });
});

describe('hostile MIME (fast-check)', () => {
  const headerName = fc.constantFrom('Content-Type', 'Content-Transfer-Encoding', 'From', 'Message-ID', 'Auto-Submitted', 'Precedence', 'Subject', 'X-Other');
  const headerValue = fc.oneof(
    fc.string({ maxLength: 120 }),
    fc.constantFrom(
      'multipart/mixed; boundary=x',
      'multipart/report; report-type=delivery-status',
      'text/html',
      'base64',
      'quoted-printable',
      '=?UTF-8?B?@@@?=',
    ),
  );
  const raw = fc.oneof(
    fc.uint8Array({ maxLength: 4000 }),
    fc
      .tuple(fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 3000 }))
      .map(([headers, body]) => encoder.encode(`${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`)),
    fc
      .array(
        fc.constantFrom(
          '--x\r\n',
          'Content-Type: multipart/mixed; boundary=x\r\n\r\n',
          '--x--\r\n',
          'text\r\n',
          '=\r\n',
          '> q\r\n',
          'On a day, b <c> wrote:\r\n',
        ),
        {
          maxLength: 400,
        },
      )
      .map((parts) => encoder.encode(`Content-Type: multipart/mixed; boundary=x\r\n\r\n${parts.join('')}`)),
  );

  it('never throws, and what it keeps is bounded, cleaned text', async () => {
    await fc.assert(
      fc.asyncProperty(raw, async (bytes) => {
        const mail = await readMail(bytes, envelope(), settings);
        if (mail.kind === 'reply') {
          expect(mail.text.length).toBeGreaterThan(0);
          expect(mail.text.length).toBeLessThanOrEqual(MAX_REPLY_TEXT);
          // No control characters but line breaks and tabs survive cleaning.
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
          expect(mail.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
