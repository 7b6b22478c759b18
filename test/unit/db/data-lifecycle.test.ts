import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DataLifecycleError,
  deleteExpiredEvents,
  deleteExpiredEventsBatch,
  EXPIRED_BATCH_SQL,
  forgetAccount,
  openExistingDatabase,
} from '../../../src/db/data-lifecycle.js';
import { closeDatabase, type Db, openDatabase } from '../../../src/db/sqlite/client.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 10);
const CUTOFF = NOW - 180 * DAY;

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-lifecycle-'));
  db = openDatabase(join(dir, 'pls.db'));
});

afterEach(() => {
  vi.restoreAllMocks();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

// --- seeding -----------------------------------------------------------------------------------

let seq = 0;

interface EventSeed {
  account?: string | null;
  user?: string | null;
  occurredAt?: number;
  receivedAt?: number;
  processed?: boolean;
}

function addEvent(e: EventSeed = {}): string {
  const id = `evt_${++seq}`;
  const occurredAt = e.occurredAt ?? NOW;
  db.$client
    .prepare(
      `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, processed_at)
       values (?, 'webhook', 'session_started', ?, ?, ?, ?, '{}', ?)`,
    )
    .run(
      id,
      e.account === undefined ? 'acct_a' : e.account,
      e.user ?? null,
      occurredAt,
      e.receivedAt ?? occurredAt,
      e.processed === false ? null : (e.receivedAt ?? occurredAt),
    );
  return id;
}

function addAccount(id: string, domain: string | null): void {
  db.$client
    .prepare(
      `insert into accounts (id, name, domain, first_seen_at, updated_at, state, score, tier)
       values (?, ?, ?, ?, ?, '{"sessions":[]}', 55, 'warm')`,
    )
    .run(id, id.toUpperCase(), domain, NOW, NOW);
}

function addUser(id: string, ...accounts: string[]): void {
  db.$client
    .prepare('insert into users (id, email, name, updated_at) values (?, ?, ?, ?)')
    .run(id, `${id}@example.com`, id, NOW);
  for (const account of accounts) {
    db.$client
      .prepare('insert into account_users (account_id, user_id, events, last_seen_at) values (?, ?, 1, ?)')
      .run(account, id, NOW);
  }
}

function addAlert(
  id: string,
  account: string,
  opts: { state?: string; ts?: string; audit?: number; outbox?: number } = {},
): void {
  db.$client
    .prepare(
      `insert into alerts (id, account_id, state, tier, team_id, channel, message_ts, trigger, base_score, score,
         opened_at, tier_set_at, claim_due_at, policy, updated_at)
       values (?, ?, ?, 'hot', 'mid-market', 'C0MIDMARKET', ?, '{}', 40, 75, ?, ?, ?, '{}', ?)`,
    )
    .run(id, account, opts.state ?? 'open', opts.ts ?? null, NOW, NOW, NOW + 900_000, NOW);
  for (let i = 0; i < (opts.audit ?? 1); i++) {
    db.$client
      .prepare("insert into alert_events (alert_id, at, kind, data) values (?, ?, 'opened', '{}')")
      .run(id, NOW);
  }
  for (let i = 0; i < (opts.outbox ?? 1); i++) {
    addOutbox(id, 'alert.update', {});
  }
}

function addOutbox(alertId: string | null, kind: string, payload: object): void {
  db.$client
    .prepare(
      'insert into outbox (alert_id, kind, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
    )
    .run(alertId, kind, JSON.stringify(payload), NOW, NOW);
}

const count = (sql: string, ...params: unknown[]) =>
  (db.$client.prepare(sql).get(...params) as { n: number }).n;
const ids = (sql: string, ...params: unknown[]) =>
  (db.$client.prepare(sql).all(...params) as { id: string }[]).map((r) => r.id);

/** Rows deleted from `events` in each transaction `db.$client.transaction` runs. */
function recordDeletesPerTransaction(): number[] {
  let deletes = 0;
  db.$client.function('note_delete', () => {
    deletes++;
    return null;
  });
  db.$client.exec('create temp trigger note_deletes after delete on events begin select note_delete(); end');
  const perTransaction: number[] = [];
  const original = db.$client.transaction.bind(db.$client);
  vi.spyOn(db.$client, 'transaction').mockImplementation(((fn: (...args: unknown[]) => unknown) =>
    original((...args: unknown[]) => {
      const before = deletes;
      const result = fn(...args);
      perTransaction.push(deletes - before);
      return result;
    })) as typeof db.$client.transaction);
  return perTransaction;
}

// --- retention ---------------------------------------------------------------------------------

describe('deleteExpiredEvents', () => {
  it('deletes processed events older than the cutoff and keeps recent and unprocessed ones', () => {
    const old = [addEvent({ occurredAt: CUTOFF - 1 }), addEvent({ occurredAt: CUTOFF - 30 * DAY })];
    const recent = addEvent({ occurredAt: CUTOFF });
    const unprocessed = addEvent({ occurredAt: CUTOFF - 10 * DAY, processed: false });
    const accountless = addEvent({ account: null, occurredAt: CUTOFF - 5 * DAY });

    expect(deleteExpiredEvents(db, CUTOFF)).toBe(3);

    const left = ids('select id from events order by seq');
    expect(left).toEqual([recent, unprocessed]);
    expect(left).not.toContain(accountless);
    for (const id of old) expect(left).not.toContain(id);
  });

  it('keeps a backfilled event (old, received recently) until it too was received before the cutoff', () => {
    const backfill = addEvent({ occurredAt: CUTOFF - 400 * DAY, receivedAt: NOW - DAY });
    expect(deleteExpiredEvents(db, CUTOFF)).toBe(0);
    expect(ids('select id from events')).toEqual([backfill]);
    // A retention period after it arrived, it goes.
    expect(deleteExpiredEvents(db, NOW)).toBe(1);
  });

  it('deletes in batches of batchSize, one transaction each', () => {
    for (let i = 0; i < 5; i++) addEvent({ occurredAt: CUTOFF - DAY * (10 - i) });
    const kept = addEvent({ occurredAt: CUTOFF - 20 * DAY, processed: false });
    addEvent({ occurredAt: NOW });
    const perTransaction = recordDeletesPerTransaction();

    expect(deleteExpiredEvents(db, CUTOFF, 2)).toBe(5);

    expect(perTransaction).toEqual([2, 2, 1]);
    expect(count('select count(*) as n from events')).toBe(2);
    expect(ids('select id from events where processed_at is null')).toEqual([kept]);
  });

  it('stops after a full last batch once nothing is left', () => {
    for (let i = 0; i < 4; i++) addEvent({ occurredAt: CUTOFF - DAY });
    const perTransaction = recordDeletesPerTransaction();
    expect(deleteExpiredEvents(db, CUTOFF, 2)).toBe(4);
    expect(perTransaction).toEqual([2, 2, 0]);
  });

  it('deleteExpiredEventsBatch deletes at most one batch, oldest arrivals first', () => {
    addEvent({ occurredAt: CUTOFF - 3 * DAY });
    addEvent({ occurredAt: CUTOFF - 2 * DAY });
    const third = addEvent({ occurredAt: CUTOFF - DAY });
    expect(deleteExpiredEventsBatch(db, CUTOFF, 2)).toBe(2);
    expect(ids('select id from events')).toEqual([third]);
    expect(deleteExpiredEventsBatch(db, CUTOFF, 2)).toBe(1);
    expect(deleteExpiredEventsBatch(db, CUTOFF, 2)).toBe(0);
  });

  it('rejects a batch size that is not a positive integer', () => {
    expect(() => deleteExpiredEvents(db, CUTOFF, 0)).toThrow(RangeError);
  });

  it('walks events_received, never the whole table, and stays fast with 200k events', () => {
    const insert = db.$client.prepare(
      `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, processed_at)
       values (?, 'webhook', 'feature_used', ?, ?, ?, ?, '{"feature":"dashboards"}', ?)`,
    );
    const total = 200_000;
    const start = CUTOFF - 30 * DAY;
    const step = (NOW - start) / total; // spread over 210 days: the first ~14% are past retention
    db.$client.transaction(() => {
      for (let i = 0; i < total; i++) {
        const at = Math.round(start + i * step);
        insert.run(`evt_bulk_${i}`, `acct_${i % 500}`, `u_${i % 3000}`, at, at + 1000, at + 2000);
      }
    })();
    const toDelete = count(
      'select count(*) as n from events where occurred_at < ? and received_at < ? and processed_at is not null',
      CUTOFF,
      CUTOFF,
    );
    expect(toDelete).toBeGreaterThan(20_000);

    const plan = db.$client
      .prepare(`explain query plan ${EXPIRED_BATCH_SQL}`)
      .all({ after: 0, cutoff: CUTOFF, limit: 5000 }) as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    expect(details).toMatch(
      /SEARCH events USING INDEX events_received \(received_at>\? AND received_at<\?\)/,
    );
    expect(details).not.toMatch(/SCAN events/);

    expect(deleteExpiredEvents(db, CUTOFF)).toBe(toDelete);
    // A steady-state run (nothing expired) is one short index probe, not a pass over 170k rows.
    const idleBegan = performance.now();
    expect(deleteExpiredEvents(db, CUTOFF)).toBe(0);
    const idleMs = performance.now() - idleBegan;
    expect(idleMs).toBeLessThan(50);
  });
});

// --- erasure -----------------------------------------------------------------------------------

/**
 * Two accounts: acct_a (a.com) and acct_b (b.com).
 * u_only_a and u_ghost (no users row) belong to A only; u_shared to both; u_b to B only;
 * u_joining is in A but has an unprocessed event in B, so it is about to be B's too.
 */
function seedTwoAccounts() {
  addAccount('acct_a', 'a.com');
  addAccount('acct_b', 'b.com');
  addUser('u_only_a', 'acct_a');
  addUser('u_shared', 'acct_a', 'acct_b');
  addUser('u_b', 'acct_b');
  addUser('u_joining', 'acct_a');
  db.$client
    .prepare(
      "insert into account_users (account_id, user_id, events, last_seen_at) values ('acct_a', 'u_ghost', 1, ?)",
    )
    .run(NOW);

  addEvent({ account: 'acct_a', user: 'u_only_a' });
  addEvent({ account: 'acct_a', user: 'u_shared' });
  addEvent({ account: 'acct_a', user: 'u_joining', occurredAt: NOW - DAY });
  addEvent({ account: 'acct_a', user: null, processed: false });
  addEvent({ account: null, user: 'u_only_a' }); // a Segment identify: the person's traits, no account
  addEvent({ account: null, user: 'u_shared' });
  addEvent({ account: 'acct_b', user: 'u_shared' });
  addEvent({ account: 'acct_b', user: 'u_b' });
  addEvent({ account: 'acct_b', user: 'u_joining', processed: false });

  addAlert('al_a1', 'acct_a', { state: 'closed', ts: '1700000000.000100', audit: 4, outbox: 3 });
  addAlert('al_a2', 'acct_a', { state: 'open', audit: 1, outbox: 1 });
  addAlert('al_b1', 'acct_b', { state: 'open', ts: '1700000000.000200', audit: 2, outbox: 2 });
  addOutbox(null, 'home', { userId: 'U0ANA' });
  for (const [seq, account] of [
    [1, 'acct_a'],
    [2, 'acct_a'],
    [3, 'acct_b'],
  ] as const)
    db.$client
      .prepare(
        `insert into webhook_deliveries (message_id, url, type, account_id, alert_id, payload, created_at, next_attempt_at)
         values (?, 'https://hooks.example.com/pls', 'alert.opened', ?, null, '{}', ?, ?)`,
      )
      .run(`msg_${seq}`, account, NOW, NOW);
  for (const account of ['acct_a', 'acct_b']) {
    db.$client
      .prepare(
        `insert into crm_accounts (account_id, domain, company_id, owner_id, checked_at) values (?, 'x.com', '1', '2', ?)`,
      )
      .run(account, NOW);
    db.$client
      .prepare(`insert into crm_tasks (alert_id, account_id, task_id, created_at) values (?, ?, '9', ?)`)
      .run(`al_task_${account}`, account, NOW);
  }
}

const snapshotOf = (account: string) => ({
  account: db.$client.prepare('select * from accounts where id = ?').get(account),
  events: ids('select id from events where account_id = ? order by seq', account),
  members: ids('select user_id as id from account_users where account_id = ? order by user_id', account),
  alerts: ids('select id from alerts where account_id = ? order by id', account),
  audit: count(
    'select count(*) as n from alert_events where alert_id in (select id from alerts where account_id = ?)',
    account,
  ),
  outbox: count(
    'select count(*) as n from outbox where alert_id in (select id from alerts where account_id = ?)',
    account,
  ),
  deliveries: count('select count(*) as n from webhook_deliveries where account_id = ?', account),
  crm:
    count('select count(*) as n from crm_accounts where account_id = ?', account) +
    count('select count(*) as n from crm_tasks where account_id = ?', account),
});

describe('forgetAccount', () => {
  it('erases the account, its alerts and the people in no other account, and reports the counts', () => {
    seedTwoAccounts();
    const before = snapshotOf('acct_b');

    const report = forgetAccount(db, { id: 'acct_a' });

    expect(report).toEqual({
      accountId: 'acct_a',
      domain: 'a.com',
      events: 5, // four of the account's, one identify of u_only_a
      users: 1, // u_only_a (u_ghost had no users row)
      accountUsers: 4,
      alerts: 2,
      alertEvents: 5,
      outbox: 4,
      webhookDeliveries: 2,
      crmLinks: 2,
      crmCompanyId: '1',
      postedMessages: [{ channel: 'C0MIDMARKET', ts: '1700000000.000100' }],
    });
    expect(count("select count(*) as n from accounts where id = 'acct_a'")).toBe(0);
    expect(count("select count(*) as n from events where account_id = 'acct_a'")).toBe(0);
    expect(count("select count(*) as n from account_users where account_id = 'acct_a'")).toBe(0);
    expect(count("select count(*) as n from alerts where account_id = 'acct_a'")).toBe(0);
    expect(count("select count(*) as n from alert_events where alert_id like 'al_a%'")).toBe(0);
    expect(count("select count(*) as n from outbox where alert_id like 'al_a%'")).toBe(0);
    expect(ids('select id from users order by id')).toEqual(['u_b', 'u_joining', 'u_shared']);
    expect(ids('select user_id as id from events where account_id is null')).toEqual(['u_shared']);
    // The other account, and what is nobody's (an App Home refresh), are untouched.
    expect(snapshotOf('acct_b')).toEqual(before);
    expect(count("select count(*) as n from outbox where kind = 'home'")).toBe(1);
  });

  it('finds the account by its domain, in any of the forms the ingest normalises', () => {
    seedTwoAccounts();
    expect(forgetAccount(db, { domain: 'https://www.B.com/' })?.accountId).toBe('acct_b');
    expect(count("select count(*) as n from accounts where id = 'acct_b'")).toBe(0);
    expect(forgetAccount(db, { domain: 'a.com' })?.accountId).toBe('acct_a');
  });

  it('never takes an id for a domain, or a domain for an id', () => {
    seedTwoAccounts();
    addAccount('victim.com', 'other.com');
    addAccount('acct_victim', 'victim.com');
    expect(forgetAccount(db, { domain: 'victim.com' })?.accountId).toBe('acct_victim');
    expect(count("select count(*) as n from accounts where id = 'victim.com'")).toBe(1);
    expect(forgetAccount(db, { id: 'b.com' })).toBeNull();
    expect(forgetAccount(db, { domain: 'acct_b' })).toBeNull();
    expect(() => forgetAccount(db, { domain: 'not a domain' })).toThrow(/not a domain/);
  });

  it('lists in a dry run exactly what the erasure then removes, and removes nothing', () => {
    seedTwoAccounts();
    const rows = () => count('select (select count(*) from events) + (select count(*) from users) as n');
    const before = rows();
    const preview = forgetAccount(db, { id: 'acct_a' }, { dryRun: true });
    expect(rows()).toBe(before);
    expect(forgetAccount(db, { id: 'acct_a' })).toEqual(preview);
  });

  it('answers null for an unknown account and changes nothing', () => {
    seedTwoAccounts();
    const total = () => count('select (select count(*) from events) + (select count(*) from users) as n');
    const before = total();
    expect(forgetAccount(db, { id: 'acct_zzz' })).toBeNull();
    expect(forgetAccount(db, { domain: 'nowhere.example' })).toBeNull();
    expect(total()).toBe(before);
  });

  it('erases an account that so far exists only as unprocessed events', () => {
    addEvent({ account: 'acct_new', user: 'u_new', processed: false });
    expect(forgetAccount(db, { id: 'acct_new' })).toMatchObject({
      accountId: 'acct_new',
      domain: null,
      events: 1,
      users: 0,
    });
    expect(count('select count(*) as n from events')).toBe(0);
  });

  it('refuses a domain shared by several accounts, naming them, and erases nothing', () => {
    addAccount('acct_x', 'shared.io');
    addAccount('acct_y', 'shared.io');
    addEvent({ account: 'acct_x' });
    const error = (() => {
      try {
        forgetAccount(db, { domain: 'shared.io' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataLifecycleError);
    expect(error).toMatchObject({ code: 'ambiguous_account' });
    expect((error as Error).message).toContain('acct_x, acct_y');
    expect(count('select count(*) as n from accounts')).toBe(2);
    expect(count('select count(*) as n from events')).toBe(1);
  });

  it('overwrites the erased rows on disk while it runs, then restores the connection setting', () => {
    seedTwoAccounts();
    const setting = () => db.$client.pragma('secure_delete', { simple: true });
    const before = setting();
    forgetAccount(db, { id: 'acct_a' });
    expect(setting()).toBe(before);
  });
});

// --- opening an existing database --------------------------------------------------------------

describe('openExistingDatabase', () => {
  const MIGRATIONS = resolve(import.meta.dirname, '../../../migrations');

  it('refuses a missing file without creating it', () => {
    const path = join(dir, 'nope', 'pls.db');
    expect(() => openExistingDatabase(path)).toThrow(expect.objectContaining({ code: 'no_database' }));
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('refuses a SQLite file that pls never migrated, and a file that is not SQLite', () => {
    const other = join(dir, 'other.db');
    new Database(other).exec('create table t (x)').close();
    expect(() => openExistingDatabase(other)).toThrow(
      expect.objectContaining({ code: 'not_a_pls_database' }),
    );
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database, just some text that is long enough to have a header');
    expect(() => openExistingDatabase(text)).toThrow(expect.objectContaining({ code: 'not_a_pls_database' }));
  });

  it('opens a current database as is', () => {
    const { db: opened, migrated } = openExistingDatabase(join(dir, 'pls.db'));
    expect(migrated).toBe(0);
    closeDatabase(opened);
  });

  it('applies the migrations an older database lacks, as start-up would', () => {
    // A database made by the first release only: its migrations folder holds 0000 alone.
    const oldMigrations = join(dir, 'migrations-v1');
    mkdirSync(join(oldMigrations, 'meta'), { recursive: true });
    copyFileSync(join(MIGRATIONS, '0000_init.sql'), join(oldMigrations, '0000_init.sql'));
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8'));
    journal.entries = journal.entries.slice(0, 1);
    writeFileSync(join(oldMigrations, 'meta/_journal.json'), JSON.stringify(journal));
    const path = join(dir, 'old.db');
    const sqlite = new Database(path);
    migrate(drizzle({ client: sqlite }), { migrationsFolder: oldMigrations });
    sqlite.close();

    const { db: opened, migrated } = openExistingDatabase(path);
    expect(migrated).toBe(countMigrations(MIGRATIONS) - 1);
    const columns = opened.$client.pragma('table_info(alerts)') as { name: string }[];
    expect(columns.map((c) => c.name)).toContain('next_escalation_at');
    closeDatabase(opened);
  });

  it('refuses a database migrated by a newer pls', () => {
    db.$client
      .prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)')
      .run('future', Date.UTC(2099, 0, 1));
    expect(() => openExistingDatabase(join(dir, 'pls.db'))).toThrow(
      expect.objectContaining({ code: 'newer_schema' }),
    );
  });
});

function countMigrations(folder: string): number {
  return (JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] })
    .entries.length;
}
