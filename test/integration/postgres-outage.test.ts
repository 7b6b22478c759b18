import { afterEach, describe, expect, it } from 'vitest';
import { STORAGE_UNAVAILABLE } from '../../src/slack/listeners/answer.js';
import { ACME, usageEvent } from '../support/events.js';
import { alertRow, deliver, raiseHotAlert } from '../support/flows.js';
import { eventually, type Harness, startHarness } from '../support/harness.js';
import { startOwnCluster } from '../support/postgres.js';
import { pressButton } from '../support/slack-requests.js';

/**
 * Postgres stopped under a running pls and started again (vitest.config.ts runs this file on
 * Postgres only): on a cluster of the test's own, so no other test loses its database.
 */
let pls: Harness | null = null;
let cluster: Awaited<ReturnType<typeof startOwnCluster>> | null = null;
afterEach(async () => {
  cluster?.resume();
  await pls?.stop();
  cluster?.stop();
  pls = null;
  cluster = null;
});

const readiness = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { checks: { database: boolean }; storageProblems: string[] },
  };
};

describe('Postgres down and back', () => {
  it('acknowledges nothing while it is down, says why, tells a clicking rep, and resumes by itself', async () => {
    cluster = await startOwnCluster();
    pls = await startHarness({ env: { DATABASE_URL: cluster.url } });
    const p = pls;
    const alert = await raiseHotAlert(p);

    cluster.halt();
    const refused = usageEvent({ type: 'session_started', account: ACME });
    const res = await p.postWebhook(refused);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = (await res.json()) as { error: string; code: string };
    expect(body.code).toBe('storage_unavailable');
    expect(body.error).toMatch(/may not be kept; send them again/);

    const down = await readiness(p.url);
    expect(down.status).toBe(503);
    expect(down.body.checks.database).toBe(false);
    expect(down.body.storageProblems).toEqual([
      expect.stringMatching(/^Postgres is unavailable \(.+\) since /),
    ]);

    const press = () =>
      pressButton(p.url, {
        actionId: 'claim',
        value: alert.alertId,
        user: 'U0ANA',
        channel: alert.channel,
        messageTs: alert.ts,
      });
    await press();
    const told = await p.emulator.waitFor(() => p.emulator.ephemerals(alert.channel, 'U0ANA')[0]);
    expect(told.text).toBe(STORAGE_UNAVAILABLE);

    cluster.resume();
    // Ready again within a health check (every 5 s); ingest and clicks work again by themselves.
    await eventually(async () => (await readiness(p.url)).status === 200, 'ready again', 15_000, 200);
    expect((await readiness(p.url)).body.storageProblems).toEqual([]);
    await deliver(p, usageEvent({ type: 'session_started', account: ACME }));
    expect(await p.query('select id from events where id = ?', refused.id)).toEqual([]);
    await press();
    await p.emulator.waitFor(async () => (await alertRow(p, alert.alertId)).claimed_by === 'U0ANA');
  }, 60_000);
});
