import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/config/manifest.js';
import { createClock } from '../../src/runtime/clock.js';
import { commandsFor } from '../../src/slack/listeners/commands/pls.js';
import { ACME, warmingAccount } from '../support/events.js';
import { limitHit } from '../support/flows.js';
import { eventually, postSigned } from '../support/harness.js';
import {
  HAS_CHROMIUM,
  launchBrowser,
  SANDBOX_MANIFEST,
  startTestSandbox,
  type TestSandbox,
} from './browser.js';

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
    await expect(alert.locator('.bk-header').innerText()).resolves.toMatch(
      /HOT · New business · Acme · score \d+/,
    );
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

  it('opens on the person’s own channel: a rep’s team’s, escalations for a manager, the default team’s for Quinn', async () => {
    const header = page.locator('.pane-header h2');
    for (const [as, channel] of [
      ['U0BEN', '#pls-mid-market'],
      ['U0ANA', '#pls-enterprise'],
      ['U0FAY', '#pls-growth'],
      ['U0SAM', '#pls-escalations'],
      ['U0QUINN', '#pls-growth'],
    ] as const) {
      await page.goto(`${url()}/sandbox#as=${as}`);
      await page.locator('.pane-header h2', { hasText: channel }).waitFor(WAIT);
      await expect(header.innerText(), as).resolves.toBe(channel);
    }
    // Picking someone else opens their channel.
    await page.locator('#as').selectOption('U0DANA');
    await page.locator('.pane-header h2', { hasText: '#pls-mid-market' }).waitFor(WAIT);
    await page.locator('#as').selectOption('U0CARLOS');
    await page.locator('.pane-header h2', { hasText: '#pls-enterprise' }).waitFor(WAIT);
  });

  it('offers as chips only the /pls commands the person may run, from pls’s own list', async () => {
    const routing = loadManifest(SANDBOX_MANIFEST).routing;
    const chips = async (as: string) => {
      await page.goto(`${url()}/sandbox#as=${as}&pane=C0MIDMARKET`);
      await page.locator('.pane-header', { hasText: '#pls-mid-market' }).waitFor(WAIT);
      await page.locator('#chips .chip, #chips .chips-none').first().waitFor(WAIT);
      return page.locator('#chips .chip').allInnerTexts();
    };
    const ben = await chips('U0BEN');
    expect(ben).toEqual(commandsFor(routing, 'U0BEN').map((c) => `/pls ${c.name}`));
    expect(ben).toEqual(['/pls queue', '/pls account', '/pls ooo', '/pls help']);
    const sam = await chips('U0SAM');
    expect(sam).toEqual(commandsFor(routing, 'U0SAM').map((c) => `/pls ${c.name}`));
    expect(sam).toEqual(expect.arrayContaining(['/pls sla', '/pls calibrate', '/pls assign', '/pls queue']));
    await expect(chips('U0QUINN')).resolves.toEqual([]);
    await page.locator('#chips .chips-none').waitFor(WAIT);

    // A chip fills the command box; one that needs an argument leaves room for it.
    await chips('U0BEN');
    await page.locator('#chips .chip', { hasText: '/pls account' }).click();
    await expect(page.locator('#command').inputValue()).resolves.toBe('/pls account ');
  });

  it('works 420 px wide: no sideways scroll, a button clicks, a modal fits', async () => {
    const narrow = await browser.newPage({ viewport: { width: 420, height: 860 } });
    narrow.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await narrow.goto(`${url()}/sandbox#as=U0BEN`);
      await narrow.locator('.pane-header', { hasText: '#pls-mid-market' }).waitFor(WAIT);
      await makeHot({ ...ACME, id: 'acct_narrow', name: 'Narrow Streets', domain: 'narrow.io' });
      const alert = narrow.locator('article.msg:not(.ephemeral)', {
        has: narrow.locator('.bk-header', { hasText: 'Narrow Streets' }),
      });
      await alert.getByRole('button', { name: 'Claim', exact: true }).waitFor(WAIT);
      // The messages get the width, not a sidebar beside them; the buttons are inside the window.
      expect((await narrow.locator('#pane').boundingBox())!.width).toBeGreaterThanOrEqual(400);
      const claim = (await alert.getByRole('button', { name: 'Claim', exact: true }).boundingBox())!;
      expect(claim.x + claim.width).toBeLessThanOrEqual(420);
      const scrollWidth = () =>
        narrow.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
              .documentElement.scrollWidth,
        );
      await expect(scrollWidth()).resolves.toBeLessThanOrEqual(420);

      await alert.getByRole('button', { name: 'Claim', exact: true }).click();
      await alert.locator('.bk-context', { hasText: 'Claimed by @Ben' }).waitFor(WAIT);
      await alert.getByRole('button', { name: 'Details' }).click();
      const modal = narrow.locator('#modal-layer .modal');
      await modal.getByText('Best time to reach').waitFor(WAIT);
      const box = (await modal.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(420);
      expect(box.y + box.height).toBeLessThanOrEqual(860);
      await expect(scrollWidth()).resolves.toBeLessThanOrEqual(420);
      await modal.getByRole('button', { name: 'Close', exact: true }).last().click();
      await modal.waitFor({ state: 'detached', ...WAIT });

      // The chips and the channel row scroll on their own; the page never does.
      await narrow.locator('#chips .chip', { hasText: '/pls queue' }).click();
      await narrow.getByRole('button', { name: 'Send' }).click();
      await narrow.locator('article.ephemeral', { hasText: '/pls queue' }).waitFor(WAIT);
      await expect(scrollWidth()).resolves.toBeLessThanOrEqual(420);
    } finally {
      await narrow.close();
    }
  });

  it('ran without a script error', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!HAS_CHROMIUM)(
  'simulated colleagues, with someone at the keyboard',
  { timeout: 60_000 },
  () => {
    let running: TestSandbox;
    let browser: Browser;
    const clock = createClock();

    beforeAll(async () => {
      running = await startTestSandbox({ colleagues: true, clock });
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await running?.stop();
    });

    const actorsOf = (name: string) =>
      new Set(
        running.sandbox.emulator
          .messages('C0MIDMARKET')
          .filter((m) => m.text.includes(name))
          .flatMap((m) =>
            [...JSON.stringify(m.blocks).matchAll(/Claimed by <@(U[A-Z0-9]+)>/g)].map((x) => x[1]),
          ),
      );

    it('never act as the person the page shows, and take them up again once the page is someone else', async () => {
      const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
      await page.goto(`${running.sandbox.url}/sandbox#as=U0BEN`);
      await page.locator('.pane-header', { hasText: '#pls-mid-market' }).waitFor(WAIT);

      // Three hot US accounts routed to Ben, three British ones to Dana, in #pls-mid-market.
      const accounts = [
        ...[1, 2, 3].map((n) => ({
          ...ACME,
          id: `acct_us${n}`,
          name: `Bens Lead ${n}`,
          domain: `us${n}.com`,
        })),
        ...[1, 2, 3].map((n) => ({
          ...ACME,
          id: `acct_gb${n}`,
          name: `Danas Lead ${n}`,
          domain: `gb${n}.co.uk`,
          country: 'GB',
          timezone: 'Europe/London',
        })),
      ];
      for (const account of accounts) {
        const res = await postSigned(
          running.sandbox.url,
          { events: [...warmingAccount(account), limitHit(account)] },
          { secret: running.sandbox.secrets.webhookSecret },
        );
        expect(res.status).toBe(202);
      }
      const alert = (name: string) =>
        page.locator('article.msg:not(.ephemeral)', { has: page.locator('.bk-header', { hasText: name }) });
      for (const account of accounts) await alert(account.name).getByText('Suggested rep').waitFor(WAIT);
      await alert('Bens Lead 1').getByText('Suggested rep: @Ben').waitFor(WAIT);
      await alert('Danas Lead 1').getByText('Suggested rep: @Dana').waitFor(WAIT);

      // 85 s later (the colleagues claim within 80 s): Dana's colleague claims, Ben's never.
      clock.advance(85_000); // under the page's 90-s watch, so a poll need not land in between
      await eventually(() => actorsOf('Danas Lead').has('U0DANA'), 'a simulated Dana to claim', 15_000);
      expect([...actorsOf('Bens Lead')]).toEqual([]);

      // Ben is someone else now: his simulated self may work his alerts again, and Dana is left alone.
      await page.locator('#as').selectOption('U0DANA');
      await page.locator('.pane-header', { hasText: '#pls-mid-market' }).waitFor(WAIT);
      await eventually(() => actorsOf('Bens Lead').has('U0BEN'), 'a simulated Ben to claim', 15_000);
      await page.close();
    });
  },
);
