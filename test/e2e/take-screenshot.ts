/**
 * `npm run sandbox:screenshot`: the README's picture of the sandbox (docs/sandbox.png), taken
 * with the browser test's setup: the demo playing, a rep in #pls-mid-market claiming an alert.
 * Needs /usr/bin/chromium (and a color emoji font, e.g. fonts-noto-color-emoji, for the icons).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HAS_CHROMIUM, launchBrowser, startTestSandbox } from './browser.js';

const OUT = resolve(import.meta.dirname, '../../docs/sandbox.png');
const WAIT = { timeout: 60_000 };

if (!HAS_CHROMIUM) {
  process.stderr.write('needs /usr/bin/chromium (apt-get install chromium)\n');
  process.exit(1);
}

const running = await startTestSandbox({ traffic: true, colleagues: true, speed: 3 });
const browser = await launchBrowser();
try {
  // Tall enough for the compact alert and the sidebar's demo-traffic panel, not a screen of blank.
  const page = await browser.newPage({ viewport: { width: 1440, height: 600 } });
  await page.goto(`${running.sandbox.url}/sandbox#as=U0BEN&pane=C0MIDMARKET`);
  // The demo's first mid-market alert: claim it as Ben, the suggested rep.
  const alert = page.locator('article.msg', { has: page.locator('.bk-header', { hasText: 'HOT' }) }).first();
  await alert.getByRole('button', { name: 'Claim', exact: true }).click(WAIT);
  await alert.locator('.bk-context', { hasText: 'Claimed by @Ben' }).waitFor(WAIT);
  // Let other channels collect a few unread alerts, then show the claimed one whole.
  await page.locator('#channels .badge:not([hidden])').first().waitFor(WAIT);
  await alert.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  // No hover highlight, and the "just updated" one fades out first.
  await page.mouse.move(700, 10);
  await page
    .locator('#pane')
    .evaluate((pane: { getAnimations(o: object): { finished: Promise<unknown> }[] }) =>
      Promise.all(pane.getAnimations({ subtree: true }).map((a) => a.finished)),
    );
  mkdirSync(dirname(OUT), { recursive: true });
  await page.screenshot({ path: OUT });
  process.stdout.write(`wrote ${OUT}\n`);
} finally {
  await browser.close();
  await running.stop();
}
