import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A desktop Chrome's user agent, as a person's browser sends it (Playwright's default says "HeadlessChrome"). */
export const DESKTOP_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/**
 * Headless Chromium with the flags this closed network needs (no background calls home).
 * `as: 'person'` hides that automation drives it (`navigator.webdriver` false), as in a person's
 * browser: give its pages a normal user agent too. `as: 'scanner'` keeps the headless defaults.
 */
export async function launchChromium(options: { as?: 'person' | 'scanner' } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.as === 'person' ? ['--disable-blink-features=AutomationControlled'] : []),
    ],
  });
}
