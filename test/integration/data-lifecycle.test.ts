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
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runForget } from '../../src/cli/forget-command.js';
import { migratePostgres, openPool, PG_MIGRATIONS_FOLDER } from '../../src/db/postgres/client.js';
import { runToExit } from '../support/child-process.js';
import { postgresOnly, sqliteOnly } from '../support/engines.js';
import { usageEvent } from '../support/events.js';
import { deliver, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { createTestDatabase, postgresServer } from '../support/postgres.js';

const GLOBEX = {
  id: 'acct_77',
  name: 'Globex',
  domain: 'globex.com',
  plan: 'free',
  employees: 120,
  industry: 'manufacturing',
  country: 'US',
};

/** Globex's activity: u_7 (Kim, also in Acme) and u_20, who is Globex's alone. */
const globexEvents = () => [
  usageEvent({ type: 'session_started', account: GLOBEX, user: { id: 'u_7' } }),
  usageEvent({
    type: 'feature_used',
    account: GLOBEX,
    user: { id: 'u_20', email: 'max@globex.com', name: 'Max Roe' },
    properties: { feature: 'dashboards' },
  }),
];

/** `npm run forget` as a user runs it: no Slack variables, only the database. */
const forget = (args: string[], env: Record<string, string | undefined>) =>
  runToExit(['src/cli/forget.ts', ...args], env);

/** How the command names a database: a SQLite file by its path, Postgres as host:port/dbname. */
function whereOf(databaseUrl: string): string {
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port}/${url.pathname.slice(1)}`;
}

describe('npm run forget against the database the bot wrote', () => {
  let pls: Harness;
  beforeEach(async () => {
    pls = await startHarness();
  });
  afterEach(async () => {
    await pls.stop(); // after pls.server.stop() in the test: stopping twice is a no-op
  });

  const n = async (sql: string, ...params: unknown[]) =>
    (await pls.query<{ n: number }>(sql, ...params))[0]!.n;
  const globexData = async () => ({
    account: await pls.query('select * from accounts where id = ?', GLOBEX.id),
    events: await pls.query('select * from events where account_id = ? order by seq', GLOBEX.id),
    members: await pls.query('select * from account_users where account_id = ? order by user_id', GLOBEX.id),
    users: await pls.query(
      'select * from users where id in (select user_id from account_users where account_id = ?) order by id',
      GLOBEX.id,
    ),
  });

  it('erases one account, found by its domain, and leaves the other account and shared people', async () => {
    const alert = await raiseHotAlert(pls);
    await deliver(pls, { events: globexEvents() });
    await settled(pls);

    const acme = {
      events: await n("select count(*) as n from events where account_id = 'acct_42'"),
      audit: await n('select count(*) as n from alert_events where alert_id = ?', alert.alertId),
      outbox: await n('select count(*) as n from outbox where alert_id = ?', alert.alertId),
    };
    expect(acme.events).toBeGreaterThan(20);
    expect(acme.audit).toBeGreaterThan(0);
    expect(acme.outbox).toBeGreaterThan(0);
    const globexBefore = await globexData();
    expect(globexBefore.users.map((u) => (u as { id: string }).id)).toEqual(['u_20', 'u_7']);

    await pls.server.stop();
    const { code, output } = await forget(['--domain', 'acme.com', '--yes'], {
      DATABASE_URL: pls.databaseUrl,
    });

    expect(output).toContain(`will erase acct_42 (acme.com): ${acme.events} events`);
    expect(output).toContain(
      `forgot acct_42 (acme.com): ${acme.events} events, 3 users, 1 alert (${acme.audit} audit row${acme.audit === 1 ? '' : 's'}, ${acme.outbox} Slack message${acme.outbox === 1 ? '' : 's'} queued or sent, 0 webhook deliveries)\n`,
    );
    expect(output).toContain(`${alert.channel} ts ${alert.ts}`);
    expect(code).toBe(0);

    // Acme is gone: account, events, memberships, its own people, alert, audit trail, outbox.
    expect(await n("select count(*) as n from accounts where id = 'acct_42' or domain = 'acme.com'")).toBe(0);
    expect(await n("select count(*) as n from events where account_id = 'acct_42'")).toBe(0);
    expect(await n("select count(*) as n from account_users where account_id = 'acct_42'")).toBe(0);
    expect(await n("select count(*) as n from users where id in ('u_8', 'u_9', 'u_10')")).toBe(0);
    expect(await n("select count(*) as n from alerts where account_id = 'acct_42'")).toBe(0);
    expect(await n('select count(*) as n from alert_events where alert_id = ?', alert.alertId)).toBe(0);
    expect(await n('select count(*) as n from outbox where alert_id = ?', alert.alertId)).toBe(0);
    // Globex, and Kim who works in both, are untouched.
    expect(await globexData()).toEqual(globexBefore);

    const again = await forget(['--id', 'acct_42', '--yes'], { DATABASE_URL: pls.databaseUrl });
    expect(again).toEqual({ code: 1, output: `no account with id acct_42 in ${whereOf(pls.databaseUrl)}\n` });
  });

  it('erases an account known only from events not yet scored, and keeps a person another account is about to gain', async () => {
    await pls.server.stop(); // nothing scores what is planted here
    const event = (id: string, account: string | null, user: string, processed: boolean) => [
      id,
      account,
      user,
      processed ? 1 : null,
    ];
    await pls.write(
      "insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, processed_at) values (?, 'segment', 'identify', ?, ?, 1, 1, '{}', ?)",
      [
        event('evt_new_1', 'acct_new', 'u_new', false),
        event('evt_new_2', 'acct_new', 'u_joining', false),
        event('evt_other', 'acct_other', 'u_joining', false),
        // Account-less (Segment identify): the erased person's goes, the kept person's stays.
        event('evt_who_new', null, 'u_new', true),
        event('evt_who_joining', null, 'u_joining', true),
      ],
    );
    await pls.write('insert into users (id, email, updated_at) values (?, ?, 1)', [
      ['u_new', 'new@example.com'],
      ['u_joining', 'joining@example.com'],
    ]);

    const { code, output } = await forget(['--id', 'acct_new', '--yes'], { DATABASE_URL: pls.databaseUrl });
    expect(output).toContain(
      'forgot acct_new: 3 events, 1 user, 0 alerts (0 audit rows, 0 Slack messages queued or sent, 0 webhook deliveries)\n',
    );
    expect(code).toBe(0);
    expect(await pls.query('select id from events order by id')).toEqual([
      { id: 'evt_other' },
      { id: 'evt_who_joining' },
    ]);
    expect(await pls.query('select id from users order by id')).toEqual([{ id: 'u_joining' }]);
  });

  it('waits 5 s for another writer, then gives up having erased nothing', async () => {
    await deliver(pls, { events: globexEvents() });
    await settled(pls);
    await pls.server.stop();
    const before = await globexData();
    const release = await holdWriteLock(pls);
    try {
      const { code, output } = await forget(['--id', GLOBEX.id, '--yes'], { DATABASE_URL: pls.databaseUrl });
      expect({ code, output }).toEqual({
        code: 1,
        output: 'the database stayed locked by another writer for 5 s; nothing was erased, try again\n',
      });
    } finally {
      await release();
    }
    expect(await globexData()).toEqual(before);
  });
});

/**
 * Another writer in the middle of a transaction: a SQLite connection holding the write lock, or a
 * Postgres transaction holding the events table's write lock (an update, of no row). Resolves
 * once it holds; the returned function rolls it back.
 */
async function holdWriteLock(pls: Harness): Promise<() => Promise<void>> {
  if (pls.engine === 'sqlite') {
    const db = new Database(pls.dbPath);
    db.exec('begin immediate');
    return async () => {
      db.exec('rollback');
      db.close();
    };
  }
  const client = new pg.Client({ connectionString: pls.databaseUrl });
  await client.connect();
  await client.query('begin');
  await client.query('update events set processing_error = null where false');
  return async () => {
    await client.query('rollback');
    await client.end();
  };
}

describe('npm run forget names the account by kind and asks first', () => {
  let pls: Harness;
  /** An account whose id looks like a domain, the customer whose domain it is, and two that share one. */
  const accounts = [
    { id: 'victim.com', domain: 'bystander.com' },
    { id: 'acct_victim', domain: 'victim.com' },
    { id: 'acct_s1', domain: 'shared.io' },
    { id: 'acct_s2', domain: 'shared.io' },
  ];
  beforeEach(async () => {
    pls = await startHarness();
    await deliver(pls, {
      events: accounts.map((account) => usageEvent({ type: 'session_started', account, user: null })),
    });
    await pls.server.stop();
  });
  afterEach(async () => {
    await pls.stop();
  });

  const ids = async () =>
    (await pls.query<{ id: string }>('select id from accounts order by id')).map((row) => row.id);
  const env = () => ({ DATABASE_URL: pls.databaseUrl });
  /** The command in this process, its stdin a terminal that answers `answer`. */
  async function atTerminal(args: string[], answer: string) {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    const errors = new PassThrough();
    let text = '';
    for (const stream of [output, errors]) stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    errors.once('data', () => input.end(answer));
    const code = await runForget(args, env(), { input, output, errors });
    return { code, text };
  }

  it('--domain erases the account with that domain, never the one whose id is that text', async () => {
    const { code, output } = await forget(['--domain', 'victim.com', '--yes'], env());
    expect(output).toContain('forgot acct_victim (victim.com): 1 event');
    expect(code).toBe(0);
    expect(await ids()).toEqual(['acct_s1', 'acct_s2', 'victim.com']);
  });

  it('lists what it would erase and refuses without a terminal to ask on, unless --yes', async () => {
    const { code, output } = await forget(['--id', 'victim.com'], env());
    expect(output).toBe(
      'will erase victim.com (bystander.com): 1 event, 0 users, 0 alerts (0 audit rows, 0 Slack messages queued or sent, 0 webhook deliveries)\n' +
        'nothing erased: stdin is not a terminal to ask on; run again with --yes to erase\n',
    );
    expect(code).toBe(1);
    expect(await ids()).toContain('victim.com');
  });

  it('at a terminal erases only after a yes', async () => {
    const declined = await atTerminal(['--id', 'victim.com'], 'n\n');
    expect(declined.text).toContain('erase victim.com? type yes to confirm: nothing erased\n');
    expect(declined.code).toBe(1);
    expect(await ids()).toContain('victim.com');

    const confirmed = await atTerminal(['--id', 'victim.com'], 'yes\n');
    expect(confirmed.text).toContain('forgot victim.com (bystander.com): 1 event');
    expect(confirmed.code).toBe(0);
    expect(await ids()).toEqual(['acct_s1', 'acct_s2', 'acct_victim']);
  });

  it('refuses a domain several accounts share, naming them', async () => {
    const { code, output } = await forget(['--domain', 'shared.io', '--yes'], env());
    expect({ code, output }).toEqual({
      code: 1,
      output:
        'shared.io is the domain of several accounts (acct_s1, acct_s2): give the account id with --id\n',
    });
    expect(await ids()).toHaveLength(4);
  });
});

describe('npm run forget, what it refuses', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pls-forget-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('without an account prints its usage and exits 2', async () => {
    const { code, output } = await forget([], { DATABASE_URL: `file:${join(dir, 'pls.db')}` });
    expect(code).toBe(2);
    expect(output).toMatch(
      /^name the account with --id <account id> or --domain <domain>\nusage: npm run forget -- --id <account id> \[--yes\]\n/,
    );
  });

  it('takes no bare argument: an id or a domain must be said, exit 2', async () => {
    const { code, output } = await forget(['victim.com'], { DATABASE_URL: `file:${join(dir, 'pls.db')}` });
    expect(code).toBe(2);
    expect(output).toMatch(/^"victim\.com": say what it is, with --id victim\.com or --domain victim\.com\n/);
    const late = await forget(['--id', 'acct_1', 'victim.com'], {
      DATABASE_URL: `file:${join(dir, 'pls.db')}`,
    });
    expect(late.code).toBe(2);
    const both = await forget(['--id', 'a', '--domain', 'b.com'], {});
    expect(both).toMatchObject({
      code: 2,
      output: expect.stringMatching(/^give --id or --domain, not both\n/),
    });
  });

  sqliteOnly('with no database file says so in one line, exits 1 and creates nothing', async () => {
    const path = join(dir, 'data', 'pls.db');
    const { code, output } = await forget(['--id', 'acct_42'], { DATABASE_URL: `file:${path}` });
    expect({ code, output }).toEqual({ code: 1, output: `no database at ${path} (check DATABASE_URL)\n` });
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('with a DATABASE_URL that is neither SQLite nor Postgres names the variable, not its value', async () => {
    const { code, output } = await forget(['--id', 'acct_42'], {
      DATABASE_URL: 'mysql://u:secret@db/pls',
    });
    expect({ code, output }).toEqual({
      code: 1,
      output:
        'env DATABASE_URL: must be a SQLite file URL like file:./data/pls.db or a Postgres URL like postgres://user:password@host:5432/pls\n',
    });
  });

  postgresOnly('with Postgres out of reach says so in one line, without the password, exits 1', async () => {
    const { code, output } = await forget(['--id', 'acct_42', '--yes'], {
      DATABASE_URL: 'postgres://pls:hunter2@127.0.0.1:1/pls',
    });
    expect({ code, output }).toEqual({
      code: 1,
      output: 'cannot reach Postgres at 127.0.0.1:1/pls (ECONNREFUSED); nothing was erased\n',
    });
  });

  postgresOnly('with no such database on the server says so in one line', async () => {
    const url = new URL(postgresServer());
    url.pathname = '/pls_forget_absent';
    const { code, output } = await forget(['--id', 'acct_42'], { DATABASE_URL: url.toString() });
    expect({ code, output }).toEqual({
      code: 1,
      output: `no database at ${whereOf(url.toString())} (check DATABASE_URL)\n`,
    });
  });

  postgresOnly('refuses a Postgres database pls never migrated, and leaves it as it was', async () => {
    const database = await createTestDatabase();
    try {
      const { code, output } = await forget(['--id', 'acct_42'], { DATABASE_URL: database.url });
      expect({ code, output }).toEqual({
        code: 1,
        output: `${whereOf(database.url)} is not a pls database (no migrations table)\n`,
      });
      const pool = openPool(database.url, 2);
      try {
        const { rows } = await pool.query(
          "select count(*)::int as n from pg_tables where schemaname = 'public'",
        );
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        await pool.end();
      }
    } finally {
      await database.drop();
    }
  });

  postgresOnly('applies the migrations an older Postgres database lacks, as start-up would', async () => {
    // A database made by the first release only: its migrations folder holds 0000 alone.
    const oldMigrations = join(dir, 'migrations-v1');
    mkdirSync(join(oldMigrations, 'meta'), { recursive: true });
    copyFileSync(join(PG_MIGRATIONS_FOLDER, '0000_init.sql'), join(oldMigrations, '0000_init.sql'));
    const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8'));
    const pending = journal.entries.length - 1;
    journal.entries = journal.entries.slice(0, 1);
    writeFileSync(join(oldMigrations, 'meta/_journal.json'), JSON.stringify(journal));
    const database = await createTestDatabase();
    const pool = openPool(database.url, 2);
    try {
      await migrate(drizzle(pool), { migrationsFolder: oldMigrations });
      const { code, output } = await forget(['--id', 'acct_42'], { DATABASE_URL: database.url });
      const where = whereOf(database.url);
      expect({ code, output }).toEqual({
        code: 1,
        output: `applied ${pending} pending migration${pending === 1 ? '' : 's'} to ${where}\nno account with id acct_42 in ${where}\n`,
      });
      const { rows } = await pool.query(
        "select 1 from information_schema.columns where table_name = 'events' and column_name = 'applied_seq'",
      );
      expect(rows).toHaveLength(1);
    } finally {
      await pool.end();
      await database.drop();
    }
  });

  postgresOnly('refuses a Postgres database migrated by a newer pls', async () => {
    const database = await createTestDatabase();
    const pool = openPool(database.url, 2);
    try {
      await migratePostgres(pool);
      await pool.query('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [
        'future',
        Date.UTC(2099, 0, 1),
      ]);
      const { code, output } = await forget(['--id', 'acct_42', '--yes'], { DATABASE_URL: database.url });
      expect({ code, output }).toEqual({
        code: 1,
        output: `${whereOf(database.url)} was migrated by a newer version of pls (1 migration this code does not know): run this command from that version\n`,
      });
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});
