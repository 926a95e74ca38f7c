/**
 * One display cleaner for every template and subject (issue 25, item 5): a name or context value that
 * looks like a link or an address counts as missing wherever it would be shown.
 */
import { describe, expect, it } from 'vitest';
import { renderAnnouncementEmail } from '../../../functions/announce/announcement-email.js';
import { renderSurveyEmail } from '../../../functions/dispatch/survey-email.js';
import type { Invitation } from '../../../functions/domain/invitation.js';
import { findProgram } from '../../../functions/domain/program.js';
import { displayValue } from '../../../functions/domain/text.js';
import { questionFor } from '../../../functions/domain/wording.js';
import { renderNotificationEmail } from '../../../functions/notify/notification-email.js';
import { testCatalog } from '../../fixtures/catalog.js';

const settings = { brand: testCatalog.brand, locales: testCatalog.locales, publicBaseUrl: 'https://feedback.shop.example' };
const program = findProgram(testCatalog, 'onboarding-nps')!;
const invitation = (name: string, accountId = 'ACME-7'): Invitation => ({
  tokenHash: 'h',
  programId: program.id,
  kind: 'nps',
  eventId: 'e',
  contactKey: 'k',
  locale: 'en',
  customer: { id: 'c', email: 'customer@example.com', name },
  context: { accountId },
  createdAt: '2026-12-07T10:00:00Z',
  expiresAt: 0,
});

describe('displayValue', () => {
  it.each(['J. R. Smith', 'Ana-Maria', 'สมชาย', 'سارا', 'Order 1042', 'v2.0'])('keeps %s', (value) => {
    expect(displayValue(value)).toBe(value);
  });

  it.each(['evil.example/login', 'pay.me', 'ana@example.com', 'https://x.example', 'www.x', 'Ana\r\nhttps://evil.example'])('drops %s', (value) => {
    expect(displayValue(value)).toBeUndefined();
  });

  it('cleans and cuts what it keeps, and drops what is empty once cleaned', () => {
    expect(displayValue('Ana\u202E\r\nMaria')).toBe('Ana Maria');
    expect(displayValue('\u0007\u202E')).toBeUndefined();
    expect([...(displayValue('A'.repeat(300)) ?? '')]).toHaveLength(100);
  });
});

describe('a link-like name or context value counts as missing in every email', () => {
  it('survey: the anonymous greeting, in the HTML and the text, and no link-like text anywhere', () => {
    const email = renderSurveyEmail(invitation('pay.me'), program, 'AAAAAAAAAAAAAAAAAAAAAA', settings);
    expect(email.text.split('\n')[0]).toBe(testCatalog.locales.en!.greetingAnonymous);
    expect(email.html + email.subject).not.toContain('pay.me');
  });

  it('survey: a program line whose placeholder looks like a link falls back to the standard wording', () => {
    const question = questionFor(program, invitation('Ana', 'evil.example/login'), 'Shop', testCatalog.locales.en!);
    expect(question).not.toContain('evil.example');
    expect(question).toBe(questionFor(program, { ...invitation('Ana'), context: {} }, 'Shop', testCatalog.locales.en!));
  });

  it('acknowledgement: the anonymous greeting', () => {
    const email = renderNotificationEmail(
      {
        caseId: 'AAAAAAAAAAAAAAAAAAAAAA',
        kind: 'acknowledgement',
        programId: program.id,
        contactKey: 'k',
        locale: 'en',
        to: { email: 'customer@example.com', name: 'evil.example/login' },
        createdAt: '2026-12-07T10:00:00Z',
        expiresAt: 0,
      },
      'https://feedback.shop.example/u/x',
      settings,
    );
    expect(email.text.split('\n')[0]).toBe(testCatalog.locales.en!.greetingAnonymous);
    expect(email.html + email.subject).not.toContain('evil.example');
  });

  it('announcement: closes up around {name}, as when there is none', () => {
    const email = renderAnnouncementEmail(
      {
        announcementId: 'a',
        programId: program.id,
        tokenHash: 'h',
        contactKey: 'k',
        locale: 'en',
        subject: 'For you, {name}',
        body: 'Hello {name},\n\nWe fixed it.',
      },
      { email: 'customer@example.com', name: 'pay.me' },
      'https://feedback.shop.example/u/x',
      settings,
    );
    expect(email.subject).toBe('For you,');
    expect(email.text.startsWith('Hello,\n\nWe fixed it.')).toBe(true);
    expect(email.html).not.toContain('pay.me');
  });
});
