/// <reference lib="dom" />

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { dynamodb, putEvent, sandbox, sleep, waitForEmails } from '../integration/sandbox-clients.js';
import { launchChromium } from './chromium.js';

const ARTIFACTS = 'test/artifacts';
/** A phone's browser; Playwright's default user agent says "HeadlessChrome", which the page treats as automation. */
const PHONE = { viewport: { width: 390, height: 844 }, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148' };
/** People's browsers (automation hidden); scanners in this file keep the headless defaults (test/browser/scanners.test.ts has them all). */
let browser: Browser;
let scanner: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [browser, scanner] = await Promise.all([launchChromium({ as: 'person' }), launchChromium({ as: 'scanner' })]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), scanner?.close()]);
});

/** Puts a delivered order on the bus and returns the rating links of the email it produces. */
async function surveyLinks(locale: string, kind: 'OrderDelivered' | 'TicketResolved' = 'OrderDelivered') {
  const run = randomUUID().slice(0, 8);
  const email = `b-${run}@example.com`;
  await putEvent(kind === 'OrderDelivered' ? 'shop.orders' : 'support.tickets', kind, {
    eventId: `${kind}-${run}`,
    occurredAt: new Date().toISOString(),
    customer: { id: `c-${run}`, email, name: 'Ana', locale, tier: 'silver' },
    context: { orderId: `o-${run}` },
  });
  const [stored] = await waitForEmails(email);
  const links = [...(stored!.body.text ?? '').matchAll(/^\d+: (\S+)$/gm)].map((m) => m[1] as string);
  const token = new URL(links[0]!).pathname.split('/').pop()!;
  return { links, token };
}

async function storedResponse(token: string) {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.invitation(hashToken(token)), ConsistentRead: true }));
  return Item;
}

const THANKS: Record<string, string> = { en: 'Thank you!', et: 'Aitäh!', hr: 'Hvala!', th: 'ขอบคุณ!', fa: 'سپاسگزاریم!' };
const COMMENTS: Record<string, string> = {
  en: 'The parcel arrived two days late.',
  et: 'Pakk jõudis kaks päeva hiljem.',
  hr: 'Paket je stigao dva dana kasnije.',
  th: 'พัสดุมาถึงช้าไปสองวัน',
  fa: 'بسته دو روز دیر رسید.',
};

describe('the rating page in headless Chromium', () => {
  it.each(Object.keys(THANKS))('lets a person answer in one step (%s)', async (locale) => {
    const { links, token } = await surveyLinks(locale);
    const page = await browser.newPage(PHONE);
    try {
      await page.goto(links[2]!);

      expect(await page.getAttribute('html', 'lang')).toBe(locale);
      expect(await page.getAttribute('html', 'dir')).toBe(locale === 'fa' ? 'rtl' : 'ltr');
      expect(await page.isChecked('input[name=score][value="2"]')).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('comment');
      // Low to high, left to right, whatever the direction of the text.
      const xs = await page.$$eval('.scale label', (labels) => labels.map((l) => l.getBoundingClientRect().x));
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      if (locale === 'fa' || locale === 'th') await page.screenshot({ path: `${ARTIFACTS}/rating-page-${locale}.png`, fullPage: true });

      await page.keyboard.type(COMMENTS[locale]!);
      await sleep(600); // a person reads the question; a scanner does not
      // The thanks page has loaded (the rating page's own h1 is the brand).
      await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
      expect(await page.textContent('h1')).toBe(THANKS[locale]);
      expect(await page.textContent('main')).toContain(sandbox.supportEmail);
      expect(await storedResponse(token)).toMatchObject({
        score: 2,
        comment: COMMENTS[locale],
        evidence: { interaction: true, confirmed: false, script: 'ran' },
      });
    } finally {
      await page.close();
    }
  });

  it('works without JavaScript: a person confirms once', async () => {
    const { links, token } = await surveyLinks('hr');
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(links[9]!);
      await sleep(1000);
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe('Molimo potvrdite svoj odgovor');
      expect(await storedResponse(token)).not.toHaveProperty('score');
      await sleep(1100);
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe('Hvala!');
      expect(await storedResponse(token)).toMatchObject({ score: 9, evidence: { interaction: false, confirmed: true, script: 'none' } });
    } finally {
      await context.close();
    }
  });

  it('records nothing for a scanner: HEAD and GET of every link, then a headless load of each with no interaction', async () => {
    const { links, token } = await surveyLinks('en');
    for (const link of links) {
      expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(link)).status).toBe(200);
    }
    const page = await scanner.newPage({ userAgent: 'Mozilla/5.0 HeadlessChrome/156.0 (Safe Links scanner)' });
    try {
      for (const link of links) await page.goto(link, { waitUntil: 'load' });
    } finally {
      await page.close();
    }
    await sleep(500);
    const item = await storedResponse(token);
    expect(item).not.toHaveProperty('respondedAt');
    expect(item).not.toHaveProperty('score');
  });

  it('records nothing for a scanner that submits the form by script: it gets the confirmation page', async () => {
    const { links, token } = await surveyLinks('et');
    const page = await scanner.newPage({ userAgent: 'Mozilla/5.0 HeadlessChrome/156.0' });
    try {
      await page.goto(links[0]!);
      await Promise.all([page.waitForNavigation(), page.evaluate(() => (document.querySelector('form') as HTMLFormElement).submit())]);
      expect(await page.textContent('h1')).toBe('Palun kinnitage oma vastus');
      await Promise.all([page.waitForNavigation(), page.evaluate(() => (document.querySelector('form') as HTMLFormElement).submit())]);
      expect(await page.textContent('h1')).toBe('Palun kinnitage oma vastus');
    } finally {
      await page.close();
    }
    expect(await storedResponse(token)).not.toHaveProperty('score');
  });

  it('can be answered with the keyboard alone', async () => {
    const { links, token } = await surveyLinks('th');
    const page = await browser.newPage(PHONE);
    try {
      await page.goto(links[5]!);
      await sleep(600);
      await page.keyboard.press('Shift+Tab'); // from the comment back to the checked radio
      await page.keyboard.press('ArrowRight');
      expect(await page.isChecked('input[name=score][value="6"]')).toBe(true);
      await page.keyboard.press('Tab');
      await page.keyboard.type('ช้า');
      await page.keyboard.press('Tab');
      await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
      expect(await page.textContent('h1')).toBe('ขอบคุณ!');
    } finally {
      await page.close();
    }
    expect(await storedResponse(token)).toMatchObject({ score: 6, comment: 'ช้า' });
  });

  it('shows the second question of a program that has one and keeps the answer', async () => {
    const { links, token } = await surveyLinks('en', 'TicketResolved');
    const page = await browser.newPage(PHONE);
    try {
      await page.goto(links[5]!);
      expect(await page.textContent('label[for=answer2]')).toBe('Is there anything we could have done to make it easier?');
      await page.click('#answer2');
      await page.keyboard.type('Fewer forms.');
      await sleep(600);
      await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
    } finally {
      await page.close();
    }
    expect(await storedResponse(token)).toMatchObject({ score: 6, secondAnswer: 'Fewer forms.' });
  });
});
