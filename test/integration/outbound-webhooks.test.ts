import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToExit } from '../support/child-process.js';
import { ACME, usageEvent } from '../support/events.js';
import { deliver, raiseHotAlert } from '../support/flows.js';
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
    ['alert.opened', 'alert.claimed', 'alert.contacted', 'alert.released', 'alert.closed'],
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
    expect(receiver.received.map((r) => r.type)).toEqual([
      'alert.opened',
      'alert.claimed',
      'alert.contacted',
      'alert.closed',
    ]);
    const [opened, claimed, , closed] = receiver.received;
    expect(opened!.body).toMatchObject({
      type: 'alert.opened',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        alert: { id: alert.alertId, state: 'open', tier: 'hot', signal: 'usage_limit_hit', claimed_by: null },
        account: { id: ACME.id, name: 'Acme', domain: 'acme.com', plan: 'free', employees: 250 },
        change: { kind: 'opened', by: null },
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
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(4);
    expect(opened!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    const rows = await pls.query<{ sent: number }>(
      'select count(*) as sent from webhook_deliveries where sent_at is not null',
    );
    expect(rows[0]!.sent).toBe(4);
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
      () =>
        receiver.received.some(
          (r) =>
            r.type === 'alert.opened' &&
            (r.body.data as { alert: { account_id: string } }).alert.account_id === other.id,
        ),
      { description: 'the missed alert.opened', timeoutMs: 15_000 },
    );
    expect(receiver.received.at(-1)!.verified).toBe(true);
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
    await pls.emulator.waitFor(
      () =>
        receiver.received.some(
          (r) => (r.body.data as { alert: { account_id: string } }).alert.account_id === third.id,
        ),
      { description: 'the delivery after the restart', timeoutMs: 15_000 },
    );
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
    const { code, output } = await runToExit(['src/forget.ts', '--id', doomed.id, '--yes'], {
      DATABASE_URL: pls.databaseUrl,
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/, 1 webhook delivery\)\n/);
    expect((await queued())[0]!.n).toBe(0);
    receiver.set('up');
    await pls.restart();
  });
});
