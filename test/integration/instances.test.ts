import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChildApp, useCrashableApps } from '../support/child-process.js';
import { ACME, numberedAccount, warmingAccount } from '../support/events.js';
import { limitHit } from '../support/flows.js';
import { postSigned } from '../support/harness.js';
import { pressButton } from '../support/slack-requests.js';

/**
 * Several pls instances on one Postgres database (vitest.config.ts runs this file on Postgres
 * only): each a real `npm start` process, killed with SIGKILL mid-way.
 */
const FAST = resolve(import.meta.dirname, '../support/manifests/fast-sla.yml');

const accountNo = (i: number) => numberedAccount('Many', i);

describe('two instances on one Postgres', () => {
  const apps = useCrashableApps('pls-instances-');
  const { emulator } = apps;
  const count = async (sql: string, ...params: unknown[]) =>
    (await apps.query<{ n: number }>(sql, ...params))[0]!.n;
  const drained = async () => {
    await emulator.waitFor(
      async () => (await count('select count(*) as n from events where processed_at is null')) === 0,
      { timeoutMs: 20_000, description: 'every stored event applied' },
    );
    await emulator.waitFor(
      async () =>
        (await count('select count(*) as n from outbox where sent_at is null and failed_at is null')) === 0,
      { timeoutMs: 20_000, description: 'the outbox drained' },
    );
  };

  it('share a burst; one dies mid-way and comes back: every acknowledged event applied once, every alert posted once', async () => {
    const instances: ChildApp[] = [await apps.start(), await apps.start()];
    // 40 accounts, one request each that makes it hot, sent to both instances in turn, 4 in
    // flight; instance 0 is killed after 15 acknowledgements and the rest go to instance 1.
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      events: [...warmingAccount(accountNo(i)), limitHit(accountNo(i))],
    }));
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < bodies.length) {
        const i = next++;
        const to = killed ? instances[1]! : instances[i % 2]!;
        try {
          const res = await postSigned(to.url, bodies[i]);
          if (res.status === 202) acked.add(i);
        } catch {
          // the connection died with the process: not acknowledged
        }
        if (acked.size >= 15 && !killed) {
          killed = true;
          await instances[0]!.kill9();
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(30);
    instances[0] = await apps.start();
    await drained();

    for (const i of acked)
      for (const event of bodies[i]!.events) {
        const { id } = event as { id: string };
        expect(
          await count('select count(*) as n from events where id = ? and processed_at is not null', id),
        ).toBe(1);
      }
    // Applied once each, in one recorded order: every person's count of events is what was
    // stored for them (an event applied twice would count twice).
    expect(await count('select count(distinct applied_seq) as n from events')).toBe(
      await count('select count(*) as n from events'),
    );
    expect(await count('select sum(events) as n from account_users')).toBe(
      await count('select count(*) as n from events where account_id is not null and user_id is not null'),
    );
    const posted = emulator.messages('C0MIDMARKET').map((m) => m.text.match(/Many \d+/)?.[0]);
    const unique = new Set(posted);
    expect(posted).toHaveLength(unique.size); // never twice
    for (const i of acked) expect(unique.has(`Many ${i}`)).toBe(true);
    expect(await count('select count(*) as n from alerts')).toBe(unique.size);
  }, 90_000);

  it('fire each step of a ladder once while both sweep, and after the one that fired the first dies', async () => {
    const ladder = async () =>
      (
        await apps.query<{ data: string }>(
          "select data from alert_events where kind = 'escalation' order by seq",
        )
      ).map((row) => JSON.parse(row.data).step);
    const first = await apps.start(FAST);
    await apps.start(FAST);
    await postSigned(first.url, { events: [...warmingAccount(), limitHit(ACME)] });
    await emulator.waitFor(async () => (await ladder()).length === 1, {
      timeoutMs: 8000,
      description: 'the reminder',
    });
    await first.kill9();
    await emulator.waitFor(async () => (await ladder()).length === 3, {
      timeoutMs: 12_000,
      description: 'escalate and reassign by the instance left',
    });
    await apps.start(FAST);
    await drained();
    const steps = await ladder();
    const cycle = ['remind', 'escalate', 'reassign'];
    expect(steps.slice(0, 3)).toEqual(cycle);
    // The reassignment starts the next rep's clock: on a slow machine its first steps may have
    // fired by now, in order and once each, never a repeat of the first rep's.
    expect(steps.slice(3)).toEqual(cycle.slice(0, steps.length - 3));
    const count = (step: string) => steps.filter((s) => s === step).length;
    expect(emulator.messages('C0ESCALATE')).toHaveLength(count('escalate'));
    const reminders = emulator
      .messages('C0MIDMARKET')
      .flatMap((m) => m.replies)
      .filter((r) => r.text.startsWith('⏰'));
    expect(reminders).toHaveLength(count('remind'));
  }, 60_000);

  it('let exactly one of two reps win when both press Claim at once on different instances', async () => {
    const [a, b] = [await apps.start(), await apps.start()];
    await postSigned(a.url, { events: [...warmingAccount(), limitHit(ACME)] });
    await drained();
    const [alert] = await apps.query<{ id: string; channel: string; message_ts: string }>(
      'select id, channel, message_ts from alerts',
    );
    const press = (url: string, user: string) =>
      pressButton(url, {
        actionId: 'claim',
        value: alert!.id,
        user,
        channel: alert!.channel,
        messageTs: alert!.message_ts,
      });
    const answers = await Promise.all([press(a.url, 'U0ANA'), press(b.url, 'U0BEN')]);
    expect(answers.map((res) => res.status)).toEqual([200, 200]);
    const told = await emulator.waitFor(() => emulator.ephemerals(alert!.channel)[0], {
      description: 'the loser told',
    });
    const [row] = await apps.query<{ claimed_by: string }>('select claimed_by from alerts');
    const loser = row!.claimed_by === 'U0ANA' ? 'U0BEN' : 'U0ANA';
    expect(told).toMatchObject({ user: loser, text: `<@${row!.claimed_by}> already has this alert.` });
    expect(await count("select count(*) as n from alert_events where kind = 'claimed'")).toBe(1);
  }, 60_000);
});
