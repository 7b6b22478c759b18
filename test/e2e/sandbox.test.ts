import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, warmingAccount } from '../support/events.js';
import { limitHit } from '../support/flows.js';
import { postSigned } from '../support/harness.js';
import { HAS_CHROMIUM, launchBrowser, startTestSandbox, type TestSandbox } from './browser.js';

/**
 * `npm run sandbox` in headless Chromium: a signed webhook makes an account hot, the alert
 * appears on the page, and a rep works it by clicking, as in Slack. The sandbox runs in this
 * process (the same startSandbox main.ts calls) with its demo traffic off, so every alert on
 * the page comes from this test.
 */
if (!HAS_CHROMIUM) {
  console.warn(
    'test/e2e/sandbox.test.ts skipped: /usr/bin/chromium is missing (apt-get install chromium; .ci/run does it)',
  );
}

const WAIT = { timeout: 10_000 };

describe.skipIf(!HAS_CHROMIUM)('the sandbox page, in a browser', { timeout: 30_000 }, () => {
  let running: TestSandbox;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    running = await startTestSandbox();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  const url = () => running.sandbox.url;
  const open = (as: string, pane: string) => page.goto(`${url()}/sandbox#as=${as}&pane=${pane}`);
  /** The alert message of an account, found by the header pls gave it. */
  const alertOf = (name: string): Locator =>
    page.locator('article.msg:not(.ephemeral)', { has: page.locator('.bk-header', { hasText: name }) });

  async function makeHot(account: Record<string, unknown>): Promise<void> {
    const res = await postSigned(
      url(),
      { events: [...warmingAccount(account), limitHit(account)] },
      { secret: running.sandbox.secrets.webhookSecret },
    );
    expect(res.status).toBe(202);
  }

  it('shows the alert a signed webhook raises, and a rep claims it by clicking', async () => {
    await open('U0BEN', 'C0MIDMARKET');
    await page.locator('.pane-header', { hasText: '#pls-mid-market' }).waitFor(WAIT);

    await makeHot(ACME);
    const alert = alertOf('Acme');
    await alert.getByText('Why now:').waitFor(WAIT);
    await expect(alert.locator('.bk-header').innerText()).resolves.toMatch(/HOT · Acme · score \d+/);
    await alert.getByText('hit the API calls limit (10,000/10,000)').first().waitFor(WAIT);

    await alert.getByRole('button', { name: 'Claim', exact: true }).click();
    await alert.locator('.bk-context', { hasText: 'Claimed by @Ben' }).waitFor(WAIT);
    await alert.getByRole('button', { name: 'Mark contacted' }).waitFor(WAIT);
    await expect(alert.getByRole('button', { name: 'Claim', exact: true }).count()).resolves.toBe(0);
    await expect(alert.locator('.edited').innerText()).resolves.toBe('(edited)');
  });

  it('takes the claimed alert through contacted to a logged outcome, with the modal’s errors shown', async () => {
    const alert = alertOf('Acme');
    await alert.getByRole('button', { name: 'Mark contacted' }).click();
    await alert.locator('.bk-context', { hasText: 'contacted' }).waitFor(WAIT);

    await alert.getByRole('button', { name: 'Log outcome' }).click();
    const modal = page.locator('#modal-layer form.modal');
    await modal.locator('.modal-title', { hasText: 'Log outcome' }).waitFor(WAIT);
    // Slack's client refuses an empty required field before pls sees anything.
    await modal.getByRole('button', { name: 'Save' }).click();
    await modal.getByText('Please complete this required field.').waitFor(WAIT);

    await modal.locator('select[data-block="outcome"]').selectOption('won');
    await modal.locator('input[data-block="amount"]').fill('12000');
    await modal.locator('textarea[data-block="note"]').fill('Annual Team plan, 25 seats <b>not bold</b>');
    await modal.getByRole('button', { name: 'Save' }).click();
    await modal.waitFor({ state: 'detached', ...WAIT });
    await alert.locator('.bk-header', { hasText: 'closed: won' }).waitFor(WAIT);
    await expect(alert.locator('button').allInnerTexts()).resolves.toEqual(['Details']);
  });

  it('asks Not a fit for a reason; a colleague’s claim meanwhile comes back as the modal’s error', async () => {
    await makeHot({ ...ACME, id: 'acct_small', name: 'Smallish', domain: 'smallish.io' });
    const alert = alertOf('Smallish');
    await alert.getByRole('button', { name: 'Not a fit' }).click();
    const modal = page.locator('#modal-layer form.modal');
    await modal.locator('.modal-title', { hasText: 'Not a fit' }).waitFor(WAIT);
    await modal.locator('select[data-block="reason"]').selectOption('too_small');
    // Slack's client enforces the note's max_length before sending anything.
    await modal.locator('textarea[data-block="note"]').evaluate((el: { value: string }) => {
      el.value = 'x'.repeat(3001);
    });
    await modal.getByRole('button', { name: 'Close alert' }).click();
    await modal.locator('[data-error-for="note"]', { hasText: 'at most 3000 characters' }).waitFor(WAIT);
    await modal.locator('textarea[data-block="note"]').fill('Ten people, happy on the free plan.');

    // Meanwhile Dana, in a browser of her own, claims it.
    const other = await browser.newContext();
    try {
      const dana = await other.newPage();
      await dana.goto(`${url()}/sandbox#as=U0DANA&pane=C0MIDMARKET`);
      const hers = dana.locator('article.msg', { has: dana.locator('.bk-header', { hasText: 'Smallish' }) });
      await hers.getByRole('button', { name: 'Claim', exact: true }).click();
      await hers.locator('.bk-context', { hasText: 'Claimed by @Dana' }).waitFor(WAIT);
    } finally {
      await other.close();
    }
    // pls re-reads the alert on submit and answers response_action: errors on the form.
    await modal.getByRole('button', { name: 'Close alert' }).click();
    await modal.locator('[data-error-for="reason"]').waitFor(WAIT);
    await modal.getByRole('button', { name: 'Cancel' }).click();
    await modal.waitFor({ state: 'detached', ...WAIT });
    await alert.locator('.bk-context', { hasText: 'Claimed by @Dana' }).waitFor(WAIT);

    await makeHot({ ...ACME, id: 'acct_tiny', name: 'Tinyco', domain: 'tinyco.io' });
    const tiny = alertOf('Tinyco');
    await tiny.getByRole('button', { name: 'Not a fit' }).click();
    await modal.locator('select[data-block="reason"]').selectOption('too_small');
    await modal.getByRole('button', { name: 'Close alert' }).click();
    await modal.waitFor({ state: 'detached', ...WAIT });
    await tiny.locator('.bk-header', { hasText: 'closed: not a fit' }).waitFor(WAIT);
  });

  it('tells someone outside the manifest why they may not claim, in an ephemeral message', async () => {
    await makeHot({ ...ACME, id: 'acct_third', name: 'Thirdco', domain: 'thirdco.com' });
    await open('U0QUINN', 'C0MIDMARKET');
    const alert = alertOf('Thirdco');
    await alert.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.locator('article.ephemeral', { hasText: 'Only visible to you' }).waitFor(WAIT);
    await expect(alert.getByRole('button', { name: 'Claim', exact: true }).count()).resolves.toBe(1);
  });

  it('runs /pls commands as a manager and shows the ephemeral reply', async () => {
    await open('U0SAM', 'C0MIDMARKET');
    await page.locator('.pane-header', { hasText: '#pls-mid-market' }).waitFor(WAIT);
    await page.locator('#command').fill('/pls sla 7d');
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.locator('article.ephemeral', { hasText: '/pls sla 7d' });
    await reply.waitFor(WAIT);
    await expect(reply.innerText()).resolves.toMatch(/claim/i);
    await expect(reply.innerText()).resolves.not.toMatch(/is for managers/);

    await page.locator('#command').fill('/deploy now');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#toast', { hasText: '/deploy is not a valid command' }).waitFor(WAIT);
    await page.locator('#command').fill('on it, @ben <3');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('article.msg', { hasText: 'on it, @Ben <3' }).waitFor(WAIT);

    await page.locator('#command').fill('/pls queue');
    await page.getByRole('button', { name: 'Send' }).click();
    const queue = page.locator('article.ephemeral', { hasText: '/pls queue' }).last();
    await queue.getByText('Thirdco').waitFor(WAIT);
    // The queue's Claim button sits in an ephemeral message: Slack sends its container as such.
    await queue.getByRole('button', { name: 'Claim' }).click();
    await alertOf('Thirdco').locator('.bk-context', { hasText: 'Claimed by @Sam' }).waitFor(WAIT);
  });

  it('opens a rep’s App Home, published by pls, whose buttons work', async () => {
    await makeHot({ ...ACME, id: 'acct_home', name: 'Homeco', domain: 'homeco.com' });
    await open('U0BEN', 'home');
    const home = page.locator('.home');
    await home.locator('.bk-header', { hasText: 'Your claimed alerts' }).waitFor(WAIT);
    const row = home.locator('.bk-section', { hasText: 'Homeco' });
    await row.getByRole('button', { name: 'Claim' }).click();
    // pls re-publishes the Home: Homeco is now Ben's, awaiting first touch, with no Claim button.
    await home
      .locator('.bk-section', { hasText: 'Homeco' })
      .getByText(/first touch/)
      .waitFor(WAIT);
    await home.getByText('Nothing awaiting first touch.').waitFor({ state: 'detached', ...WAIT });
    await home.getByRole('button', { name: 'Out of office' }).click();
    await home.getByRole('button', { name: "I'm back" }).waitFor(WAIT);
    await home.getByRole('button', { name: "I'm back" }).click();
    await home.getByRole('button', { name: 'Out of office' }).waitFor(WAIT);
  });

  it('shows a hot alert’s buttons without scrolling at 1024×768, and its details one click away', async () => {
    const small = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    try {
      await small.goto(`${url()}/sandbox#as=U0BEN&pane=C0MIDMARKET`);
      await makeHot({ ...ACME, id: 'acct_view', name: 'Viewport Labs', domain: 'viewport.io' });
      const alert = small.locator('article.msg:not(.ephemeral)', {
        has: small.locator('.bk-header', { hasText: 'Viewport Labs' }),
      });
      const claim = alert.getByRole('button', { name: 'Claim', exact: true });
      await claim.waitFor(WAIT);
      await alert.scrollIntoViewIfNeeded();
      // The whole message fits the window: scrolled to its top, its buttons are still in view.
      await alert.evaluate((el: { scrollIntoView(options: unknown): void }) =>
        el.scrollIntoView({ block: 'start' }),
      );
      const box = await claim.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(768);
      await alert.getByRole('button', { name: 'Details' }).click();
      const modal = small.locator('#modal-layer .modal');
      await modal.getByText('Suggested first message').waitFor(WAIT);
      await modal.getByRole('button', { name: 'Close', exact: true }).last().click();
      await modal.waitFor({ state: 'detached', ...WAIT });
    } finally {
      await small.close();
    }
  });

  it('ran without a script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
