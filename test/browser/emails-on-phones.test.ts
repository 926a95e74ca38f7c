/**
 * Every email fits a phone (issue 31): each kind in each language (test/fixtures/email-kinds.ts),
 * opened in one Chromium page at 320, 360, 390 and 600 px, light and dark. Nothing scrolls sideways,
 * every score link is on screen and at least 24 px wide and high (WCAG 2.2 target size), and axe-core
 * finds nothing serious or critical, colour contrast included, in either scheme.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailSample, emailSamples } from '../fixtures/email-kinds.js';
import { axeFindings } from './axe.js';
import { launchChromium } from './chromium.js';

const WIDTHS = [320, 360, 390, 600] as const;
const SCHEMES = ['light', 'dark'] as const;

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium({ as: 'person' });
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
});

interface Layout {
  readonly scrollWidth: number;
  readonly innerWidth: number;
  readonly links: readonly { readonly text: string; readonly left: number; readonly right: number; readonly width: number; readonly height: number }[];
}

const layout = () =>
  page.evaluate(
    (): Layout => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      links: [...document.querySelectorAll('a.cl-score')].map((a) => {
        const box = a.getBoundingClientRect();
        return { text: a.textContent ?? '', left: box.left, right: box.right, width: box.width, height: box.height };
      }),
    }),
  );

describe('every email fits a phone, light and dark', () => {
  const samples = emailSamples();

  it('covers every kind in every language', () => {
    expect(samples).toHaveLength(5 * (4 * 2 + 3) + 1 + 1);
  });

  it.each(samples.map((sample) => [sample.name, sample] as [string, EmailSample]))('%s', async (_, sample) => {
    await page.setContent(sample.html, { waitUntil: 'load' });
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        const { scrollWidth, innerWidth, links } = await layout();
        const at = `${sample.name} at ${width} px, ${colorScheme}`;
        expect(scrollWidth, `${at}: scrolls sideways`).toBeLessThanOrEqual(innerWidth);
        expect(links, at).toHaveLength(sample.scoreLinks);
        for (const link of links) {
          expect(link.left, `${at}: score ${link.text} starts off screen`).toBeGreaterThanOrEqual(0);
          expect(link.right, `${at}: score ${link.text} ends off screen`).toBeLessThanOrEqual(innerWidth);
          expect(link.width, `${at}: score ${link.text} is narrower than 24 px`).toBeGreaterThanOrEqual(24);
          expect(link.height, `${at}: score ${link.text} is lower than 24 px`).toBeGreaterThanOrEqual(24);
        }
      }
      await page.setViewportSize({ width: 390, height: 900 });
      expect(await axeFindings(page), `${sample.name}, ${colorScheme}`).toEqual([]);
    }
  });
});
