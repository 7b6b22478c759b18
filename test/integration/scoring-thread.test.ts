import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usageEvent, warmingAccount } from '../support/events.js';
import { alertRow, deliver, limitHit, raiseHotAlert } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { pressButton } from '../support/slack-requests.js';

let pls: Harness;
beforeEach(async () => {
  pls = await startHarness();
});
afterEach(async () => {
  await pls.stop();
});

const unprocessed = async () =>
  (await pls.query<{ n: number }>('select count(*) as n from events where processed_at is null'))[0]!.n;

describe('the scoring thread', () => {
  it('is started again when it dies, and scores what ingest stored meanwhile', async () => {
    await deliver(pls, { events: warmingAccount() });
    await pls.server.app.internals.scoring()!.crash();
    const readiness = await (await fetch(`${pls.url}/readyz`)).json();
    expect(readiness).toMatchObject({ ready: true, checks: { scoring: false } }); // ingest still stores
    // Ingest does not depend on the thread: the signal is acked and waits, stored.
    const res = await pls.postWebhook(limitHit());
    expect(res.status).toBe(202);
    const alert = await pls.emulator.waitFor(() => pls.emulator.messages('C0MIDMARKET')[0], {
      description: 'the alert, scored by the restarted thread',
    });
    expect(alert.text).toMatch(/^HOT - Acme/);
    expect(await unprocessed()).toBe(0);
    expect(await (await fetch(`${pls.url}/readyz`)).json()).toMatchObject({ checks: { scoring: true } });
  });

  it('takes a click right after a burst of 8,000 events, while it scores them', async () => {
    const alert = await raiseHotAlert(pls);
    // 8,000 events of other accounts stored at once: seconds of scoring, turn after turn.
    for (let batch = 0; batch < 16; batch++) {
      const events = Array.from({ length: 500 }, (_, i) =>
        usageEvent({
          type: 'feature_used',
          account: { id: `acct_bulk_${batch}_${i % 25}` },
          user: { id: `u_${i}` },
        }),
      );
      expect((await pls.postWebhook({ events })).status).toBe(202);
    }
    const res = await pressButton(pls.url, {
      actionId: 'claim',
      value: alert.alertId,
      user: alert.suggestedRep ?? 'U0ANA',
      channel: alert.channel,
      messageTs: alert.ts,
    });
    expect(res.status).toBe(200);
    // The claim is one unit of work on the main thread's turn: the scoring turn under way ends
    // after its event and lets it in, within moments, not after the burst.
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'claimed', {
      description: 'the claim',
      timeoutMs: 2_000,
    });
    await pls.emulator.waitFor(async () => (await unprocessed()) === 0, {
      description: 'the burst scored',
      timeoutMs: 30_000,
    });
  });
});
