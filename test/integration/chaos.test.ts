import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { useCrashableApps } from '../support/child-process.js';
import { numberedAccount, warmingAccount } from '../support/events.js';
import { deliver, limitHit, settled } from '../support/flows.js';
import { type Harness, postSigned, startHarness } from '../support/harness.js';

const accountNo = (i: number) => numberedAccount('Chaos', i);

describe('kill -9 in the middle of a burst of signed webhooks', () => {
  const apps = useCrashableApps('pls-chaos-');
  const { emulator } = apps;

  it('loses no acknowledged event and posts every due alert exactly once after a restart', async () => {
    const first = await apps.start();

    // 40 accounts, each one request that makes it hot; 4 in flight at a time; kill after 15 acks.
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      events: [...warmingAccount(accountNo(i)), limitHit(accountNo(i))],
    }));
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < bodies.length && !killed) {
        const i = next++;
        try {
          const res = await postSigned(first.url, bodies[i]);
          if (res.status === 202) acked.add(i);
          if (acked.size >= 15 && !killed) {
            killed = true;
            await first.kill9();
          }
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(15);

    await apps.start();
    const count = async (sql: string, ...params: unknown[]) =>
      (await apps.query<{ n: number }>(sql, ...params))[0]!.n;
    await emulator.waitFor(
      async () => (await count('select count(*) as n from events where processed_at is null')) === 0,
      { timeoutMs: 15_000 },
    );
    await emulator.waitFor(
      async () =>
        (await count('select count(*) as n from outbox where sent_at is null and failed_at is null')) === 0,
      { timeoutMs: 15_000 },
    );

    for (const i of acked) {
      for (const event of bodies[i]!.events) {
        expect(
          await count('select count(*) as n from events where id = ?', (event as { id: string }).id),
        ).toBe(1);
      }
    }
    const posted = emulator.messages('C0MIDMARKET').map((m) => m.text.match(/Chaos \d+/)?.[0]);
    const unique = new Set(posted);
    expect(posted).toHaveLength(unique.size); // never twice
    for (const i of acked) expect(unique.has(`Chaos ${i}`)).toBe(true); // every acknowledged one
    expect(await count('select count(*) as n from alerts')).toBe(unique.size);
  }, 60_000);
});

describe('a Slack outage: 500s, then a 429, then recovery', () => {
  let pls: Harness | null = null;
  afterEach(async () => {
    await pls?.stop();
    pls = null;
  });

  it('delivers every alert, none twice', async () => {
    pls = await startHarness();
    const p = pls;
    // Failure rules queue: four 500s, then one 429, then Slack answers. Armed together, so the
    // 429 cannot be missed by alerts that all got through before it was armed.
    p.emulator.fail('chat.postMessage', { status: 500, times: 4 });
    p.emulator.fail('chat.postMessage', { retryAfter: 1, times: 1 });
    const accounts = Array.from({ length: 5 }, (_, i) => accountNo(100 + i));
    for (const account of accounts)
      await deliver(p, { events: [...warmingAccount(account), limitHit(account)] });
    await settled(p);
    const names = p.emulator.messages('C0MIDMARKET').map((m) => m.text.match(/Chaos \d+/)?.[0]);
    expect(names.sort()).toEqual(accounts.map((a) => a.name).sort());
    const statuses = p.emulator.callsTo('chat.postMessage').map((c) => c.status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
  }, 30_000);
});

describe('a poison event', () => {
  let pls: Harness | null = null;
  afterEach(async () => {
    await pls?.stop();
    pls = null;
  });

  it('is set aside with its error, and the events behind it are processed', async () => {
    pls = await startHarness();
    const p = pls;
    await p.server.stop();
    const db = new Database(p.dbPath);
    const insert = db.prepare(
      'insert into events (id, source, type, account_id, occurred_at, received_at, properties) values (?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('evt_poison', 'webhook', 'session_started', 'acct_p', Date.now(), Date.now(), '{corrupt');
    insert.run('evt_after', 'webhook', 'session_started', 'acct_p', Date.now(), Date.now(), '{}');
    db.close();
    await p.restart();
    await p.emulator.waitFor(
      async () => (await p.query('select 1 from events where processed_at is null')).length === 0,
    );
    expect(
      await p.query('select id, processing_error is not null as failed from events order by seq'),
    ).toEqual([
      { id: 'evt_poison', failed: 1 },
      { id: 'evt_after', failed: 0 },
    ]);
    expect(await p.query('select id from accounts')).toEqual([{ id: 'acct_p' }]);
  });
});
