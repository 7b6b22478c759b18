import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { warmingAccount } from '../support/events.js';
import { deliver, limitHit } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

let pls: Harness;
beforeEach(async () => {
  pls = await startHarness();
});
afterEach(async () => {
  await pls.stop();
});

const unprocessed = () =>
  pls.query<{ n: number }>('select count(*) as n from events where processed_at is null')[0]!.n;

describe('the scoring thread', () => {
  it('is started again when it dies, and scores what ingest stored meanwhile', async () => {
    await deliver(pls, { events: warmingAccount() });
    await pls.server.app.internals.scoring()!.crash();
    // Ingest does not depend on the thread: the signal is acked and waits, stored.
    const res = await pls.postWebhook(limitHit());
    expect(res.status).toBe(202);
    const alert = await pls.emulator.waitFor(() => pls.emulator.messages('C0MIDMARKET')[0], {
      description: 'the alert, scored by the restarted thread',
    });
    expect(alert.text).toMatch(/^HOT - Acme/);
    expect(unprocessed()).toBe(0);
  });
});
