import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToExit } from '../support/child-process.js';
import { ACME, usageEvent, warmingAccount } from '../support/events.js';
import { deliver, limitHit, raiseHotAlert } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { pressButton } from '../support/slack-requests.js';
import { manifestWithWebhook, startWebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Outbound webhooks through the real app (README, "Outbound webhooks"): a receiver that verifies
 * every request with the `standardwebhooks` library hears an alert's life, signed, each event
 * under one `webhook-id`; one that is down misses nothing once it is back, and delays no Slack
 * message meanwhile.
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let pls: Harness;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  const manifest = manifestWithWebhook(
    receiver.url,
    ['alert.opened', 'alert.claimed', 'alert.contacted', 'alert.released', 'alert.closed', 'account.ready'],
    'PLS_TEST_HOOK_SECRET',
  );
  pls = await startHarness({ manifest, env: { PLS_TEST_HOOK_SECRET: SECRET } });
});

afterAll(async () => {
  await pls?.stop();
  await receiver?.close();
});

const press = (actionId: string, user: string, alert: { alertId: string; channel: string; ts: string }) =>
  pressButton(pls.url, { actionId, value: alert.alertId, user, channel: alert.channel, messageTs: alert.ts });

const heard = (type: string, count = 1) =>
  pls.emulator.waitFor(() => receiver.ofType(type).length >= count, { description: `${type} delivered` });

describe('outbound webhooks', () => {
  it("tell a receiver of an alert's life, signed, each event once", async () => {
    const alert = await raiseHotAlert(pls);
    await heard('alert.opened');
    expect((await press('claim', 'U0ANA', alert)).status).toBe(200);
    await heard('alert.claimed');
    expect((await press('mark_contacted', 'U0ANA', alert)).status).toBe(200);
    await heard('alert.contacted');
    await deliver(pls, usageEvent({ type: 'plan_changed', account: ACME, properties: { plan: 'team' } }));
    await heard('alert.closed');

    expect(receiver.received.every((r) => r.verified)).toBe(true);
    // Acme became ready for sales once, as it turned hot on the limit hit that opened the alert.
    const ready = receiver.ofType('account.ready');
    expect(ready.map((r) => r.body.data)).toEqual([
      expect.objectContaining({
        alert: null,
        account: expect.objectContaining({ id: ACME.id }),
        change: expect.objectContaining({ kind: 'ready', tier: 'hot', alert_opened: true }),
      }),
    ]);
    const lifecycle = receiver.received.filter((r) => r.type !== 'account.ready');
    expect(lifecycle.map((r) => r.type)).toEqual([
      'alert.opened',
      'alert.claimed',
      'alert.contacted',
      'alert.closed',
    ]);
    const [opened, claimed, , closed] = lifecycle;
    expect(opened!.body).toMatchObject({
      type: 'alert.opened',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        alert: {
          id: alert.alertId,
          play: 'new_business',
          state: 'open',
          tier: 'hot',
          signal: 'usage_limit_hit',
          claimed_by: null,
        },
        account: { id: ACME.id, name: 'Acme', domain: 'acme.com', plan: 'free', employees: 250 },
        change: {
          kind: 'opened',
          by: null,
          trigger: {
            kind: 'signal',
            signal_id: 'usage_limit_hit',
            at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        },
      },
    });
    expect(claimed!.body).toMatchObject({
      data: { alert: { state: 'claimed', claimed_by: 'U0ANA' }, change: { kind: 'claimed', by: 'U0ANA' } },
    });
    expect(closed!.body).toMatchObject({
      data: {
        alert: { state: 'closed', outcome: 'self_served' },
        change: { kind: 'closed', outcome: 'self_served', plan: 'team' },
      },
    });
    // Every event has an id of its own, kept by every retry: receivers deduplicate on it.
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(5);
    expect(opened!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    const sent = async () =>
      (
        await pls.query<{ n: number }>(
          'select count(*) as n from webhook_deliveries where sent_at is not null',
        )
      )[0]!.n;
    await pls.emulator.waitFor(async () => (await sent()) === 5, {
      description: 'five deliveries marked sent',
    });
  });

  it('keeps what a receiver that is down missed until it is back, and delays no Slack message meanwhile', async () => {
    receiver.set('down');
    const other = { ...ACME, id: 'acct_hooks_b', name: 'Bravo', domain: 'bravo.example' };
    const before = receiver.received.length;
    // The alert reaches Slack while its webhook is refused.
    const alert = await raiseHotAlert(pls, other);
    expect(alert.ts).toBeTruthy();
    await pls.emulator.waitFor(() => receiver.refused() >= 2, { description: 'two refused attempts' });
    expect(receiver.received.length).toBe(before);
    const [row] = await pls.query<{ attempts: number; last_error: string; sent_at: number | null }>(
      "select attempts, last_error, sent_at from webhook_deliveries where type = 'alert.opened' and account_id = ?",
      other.id,
    );
    expect(row).toMatchObject({ last_error: 'HTTP 503', sent_at: null });
    receiver.set('up');
    await pls.emulator.waitFor(
      () => receiver.received.some((r) => r.type === 'alert.opened' && accountOf(r) === other.id),
      { description: 'the missed alert.opened', timeoutMs: 15_000 },
    );
    expect(receiver.received.at(-1)!.verified).toBe(true);
    // Every attempt carried the one webhook-id the delivery has.
    const delivered = receiver.received.find((r) => r.type === 'alert.opened' && accountOf(r) === other.id)!;
    expect(receiver.refusedIds.filter((id) => id === delivered.id).length).toBeGreaterThanOrEqual(1);
  });

  it('a hung receiver holds no Slack message either, nor pls when it stops', async () => {
    receiver.set('hang');
    const third = { ...ACME, id: 'acct_hooks_c', name: 'Charlie', domain: 'charlie.example' };
    const alert = await raiseHotAlert(pls, third);
    expect(alert.ts).toBeTruthy();
    await pls.emulator.waitFor(
      async () =>
        (await pls.query('select seq from webhook_deliveries where attempts > 0 and sent_at is null'))
          .length > 0,
      { description: 'the delivery under way' },
    );
    const stopping = performance.now();
    await pls.server.stop();
    expect(performance.now() - stopping).toBeLessThan(5_000);
    receiver.set('up');
    await pls.restart();
    await pls.emulator.waitFor(() => receiver.received.some((r) => accountOf(r) === third.id), {
      description: 'the delivery after the restart',
      timeoutMs: 15_000,
    });
  });

  it('are purged with the account by npm run forget, never sent', async () => {
    receiver.set('down');
    const doomed = { ...ACME, id: 'acct_hooks_d', name: 'Delta', domain: 'delta.example' };
    await raiseHotAlert(pls, doomed);
    const queued = () =>
      pls.query<{ n: number }>(
        'select count(*) as n from webhook_deliveries where account_id = ?',
        doomed.id,
      );
    await pls.emulator.waitFor(async () => (await queued())[0]!.n > 0, {
      description: 'the queued delivery',
    });
    await pls.server.stop();
    const { code, output } = await runToExit(['src/cli/forget.ts', '--id', doomed.id, '--yes'], {
      DATABASE_URL: pls.databaseUrl,
    });
    expect(code, output).toBe(0);
    // Its alert's alert.opened and its account.ready.
    expect(output).toMatch(/, 2 webhook deliveries\)\n/);
    expect((await queued())[0]!.n).toBe(0);
    receiver.set('up');
    await pls.restart();
  });

  it('tell of an account ready for sales that the rules keep from reps, with no alert', async () => {
    // The test manifest excludes the enterprise plan from alerts.
    const excluded = {
      ...ACME,
      id: 'acct_hooks_e',
      name: 'Echo',
      domain: 'echo.example',
      plan: 'enterprise',
    };
    await deliver(pls, { events: [...warmingAccount(excluded), limitHit(excluded)] });
    await pls.emulator.waitFor(
      () => receiver.ofType('account.ready').some((r) => accountOf(r) === excluded.id),
      { description: 'account.ready for the excluded account' },
    );
    const ready = receiver.ofType('account.ready').filter((r) => accountOf(r) === excluded.id);
    expect(ready).toHaveLength(1);
    expect(ready[0]!.body.data).toMatchObject({
      alert: null,
      account: { id: excluded.id, plan: 'enterprise' },
      change: { kind: 'ready', alert_opened: false, armed: false },
    });
    expect(await pls.query('select id from alerts where account_id = ?', excluded.id)).toEqual([]);
  });

  it("are not held back by Slack's 429 pause", async () => {
    // Slack asks for a 5-second pause on the alert's post; the webhook goes out meanwhile.
    pls.emulator.fail('chat.postMessage', { retryAfter: 5, times: 1 });
    const golf = { ...ACME, id: 'acct_hooks_g', name: 'Golf', domain: 'golf.example' };
    await deliver(pls, { events: [...warmingAccount(golf), limitHit(golf)] });
    const refusedAt = performance.now();
    await pls.emulator.waitFor(() => receiver.ofType('alert.opened').some((r) => accountOf(r) === golf.id), {
      description: 'alert.opened during the pause',
    });
    expect(performance.now() - refusedAt).toBeLessThan(4_000);
    expect(pls.emulator.messages('C0MIDMARKET').some((m) => m.text?.includes('Golf'))).toBe(false);
  });
});

function accountOf(received: { body: Record<string, unknown> }): string | undefined {
  return (received.body.data as { account: { id: string } | null }).account?.id;
}
