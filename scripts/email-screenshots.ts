/**
 * Screenshots of the NPS survey email as a phone shows it (360 px wide, light), in English and in
 * Persian (right to left), for docs/operations.md: `npx tsx scripts/email-screenshots.ts` (needs
 * Chromium, as the browser tests do). Rendered by the same function dispatch uses, from the test
 * fixture every email test opens (test/fixtures/email-kinds.ts).
 */
import { launchChromium } from '../test/browser/chromium.js';
import { emailSamples } from '../test/fixtures/email-kinds.js';

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, colorScheme: 'light' });
  for (const locale of ['en', 'fa']) {
    const sample = emailSamples().find((s) => s.name === `survey nps ${locale}`);
    if (!sample) throw new Error(`no sample "survey nps ${locale}"`);
    await page.setContent(sample.html, { waitUntil: 'load' });
    const file = `docs/email-nps-${locale}-360.png`;
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${file}`);
  }
} finally {
  await browser.close();
}
