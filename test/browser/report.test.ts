/// <reference lib="dom" />

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sandbox, seedSegment } from '../integration/sandbox-clients.js';
import { launchChromium } from './chromium.js';

describe('the HTML report in headless Chromium', () => {
  it('renders every chart from live data, with no request leaving the page', async () => {
    await seedSegment(`html-${randomUUID().slice(0, 8)}`, [10, 10, 9, 8, 7, 6, 4, 2, 0]);
    mkdirSync('test/artifacts', { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`${sandbox.reportUrl}?granularity=day`);

      expect(await page.textContent('h1')).toContain('Closeloop report');
      const charts = await page.$$eval('section svg', (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width));
      expect(charts.length).toBeGreaterThanOrEqual(6);
      expect(charts.every((width) => width > 200)).toBe(true);
      expect(await page.$$eval('.band', (bands) => bands.length)).toBeGreaterThan(0);
      expect(requests).toEqual([`${sandbox.reportUrl}?granularity=day`]);
      await page.screenshot({ path: 'test/artifacts/report.png', fullPage: false });
    } finally {
      await browser.close();
    }
  });
});
