import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { is } from 'drizzle-orm';
import { PgTable, getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { SQLiteTable, getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbCopy } from '../../src/cli/db-copy-command.js';
import * as pgSchema from '../../src/db/postgres/schema.js';
import * as sqliteSchema from '../../src/db/schema.js';
import { createHubSpotEmulator } from '../../tools/emulator/hubspot-emulator.js';
import { runToExit } from '../support/child-process.js';
import { ACME, usageEvent } from '../support/events.js';
import { alertRow, deliver, type RaisedAlert, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { createTestDatabase, postgresServer } from '../support/postgres.js';
import { pressButton, slashCommand } from '../support/slack-requests.js';
import { manifestWithWebhook, startWebhookReceiver } from '../support/webhook-receiver.js';

/**
 * `npm run db:copy` (src/cli/db-copy-command.ts): a SQLite database written by pls itself — alerts raised,
 * claimed, a 429 pause, a rep out of office, more events than one batch — copied into Postgres,
 * compared table by table and row by row, and then run on: the same alerts, nothing processed
 * twice, new rows numbered after the copied ones. vitest.config.ts runs this file on the
 * `postgres` project only.
 */

const BIGCO = { ...ACME, id: 'acct_big', name: 'BigCo', domain: 'bigco.example', employees: 5000 };
const SELF_SERVED = { ...ACME, id: 'acct_selfserve', name: 'Selfserve', domain: 'selfserve.example' };

let dir: string;
let sqlitePath: string;
let acme: RaisedAlert;
let bigco: RaisedAlert;
const databases: { url: string; drop(): Promise<void> }[] = [];

/** A fresh, empty Postgres database, dropped when the file's tests end. */
async function emptyDatabase(): Promise<string> {
  const database = await createTestDatabase();
  databases.push(database);
  return database.url;
}

/** Runs the command in this process, as src/cli/db-copy.ts does, with what it prints. */
async function copy(...args: string[]): Promise<{ code: number; output: string; errors: string }> {
  const output: string[] = [];
  const errors: string[] = [];
  const into = (lines: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
  const code = await runDbCopy(args, { output: into(output), errors: into(errors) });
  return { code, output: output.join(''), errors: errors.join('') };
}

/** Postgres as pls reads it: bigints as numbers; jsonb parsed and booleans as node-postgres reads them. */
async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'),
    } as pg.CustomTypesConfig,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every table of the schema: its name, primary key, and the Postgres type of each column. */
function tables() {
  const pgTables = new Map(
    (Object.values(pgSchema) as unknown[])
      .filter((v): v is PgTable => is(v, PgTable))
      .map(pgTableConfig)
      .map((config) => [config.name, config]),
  );
  return (Object.values(sqliteSchema) as unknown[])
    .filter((v): v is SQLiteTable => is(v, SQLiteTable))
    .map(sqliteTableConfig)
    .map((config) => {
      const twin = pgTables.get(config.name)!;
      const key =
        twin.primaryKeys[0]?.columns.map((c) => c.name) ??
        twin.columns.filter((c) => c.primary).map((c) => c.name);
      const types = new Map(twin.columns.map((c) => [c.name, c.columnType]));
      return { name: config.name, columns: config.columns.map((c) => c.name), key, types };
    });
}

/** A SQLite row as Postgres holds it: 0/1 booleans as booleans, JSON text parsed. */
function asPostgres(row: Record<string, unknown>, types: Map<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => {
      if (value === null) return [column, null];
      if (types.get(column) === 'PgBoolean') return [column, value === 1];
      if (types.get(column) === 'PgJsonb') return [column, JSON.parse(value as string)];
      return [column, value];
    }),
  );
}

function readSqlite<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** A copy of the test's SQLite database to spoil with `sql` (the original stays as pls left it). */
async function spoiledCopy(name: string, sql: string): Promise<string> {
  const path = join(dir, name);
  const source = new Database(sqlitePath, { readonly: true });
  await source.backup(path);
  source.close();
  const target = new Database(path);
  target.exec(sql);
  target.close();
  return path;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const count = async (url: string, table: string) =>
  withPostgres(
    url,
    async (client) => (await client.query(`select count(*)::int as n from ${table}`)).rows[0].n,
  );
const exists = async (url: string, table: string) =>
  withPostgres(
    url,
    async (client) => (await client.query('select to_regclass($1) as t', [table])).rows[0].t !== null,
  );

const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pls-db-copy-'));
  sqlitePath = join(dir, 'pls.db');
  // An outbound webhook whose receiver answers: its deliveries are rows to copy too.
  receiver = await startWebhookReceiver(HOOK_SECRET);
  // HubSpot on: the company and the claimer's task pls keeps are rows to copy too.
  const hub = createHubSpotEmulator({
    owners: [{ id: '501', email: 'ben@seller.com', firstName: 'Ben', lastName: 'Rep', userId: 1 }],
    companies: [{ id: '9001', name: 'Acme', domain: 'acme.com', ownerId: '501' }],
  });
  await hub.start();
  const pls = await startHarness({
    env: {
      DATABASE_URL: `file:${sqlitePath}`,
      PLS_TEST_HOOK_SECRET: HOOK_SECRET,
      HUBSPOT_TOKEN: hub.token,
      HUBSPOT_API_URL: hub.url,
    },
    manifest: manifestWithWebhook(receiver.url, ['alert.opened', 'alert.claimed'], 'PLS_TEST_HOOK_SECRET'),
  });
  try {
    acme = await raiseHotAlert(pls);
    // A 429 on BigCo's post: the pause is recorded in rate_limits.
    pls.emulator.fail('chat.postMessage', { retryAfter: 1, times: 1 });
    bigco = await raiseHotAlert(pls, BIGCO);
    const claim = await pressButton(pls.url, {
      actionId: 'claim',
      value: acme.alertId,
      user: 'U0BEN',
      channel: acme.channel,
      messageTs: acme.ts,
    });
    expect(claim.status).toBe(200);
    await pls.emulator.waitFor(async () => (await alertRow(pls, acme.alertId)).state === 'claimed');
    expect((await slashCommand(pls.url, 'U0BEN', 'ooo on')).text).toMatch(/^You're out of office/);
    // More events than one batch of the copy (1,000), over many accounts and people.
    for (let request = 0; request < 3; request++) {
      await deliver(pls, {
        events: Array.from({ length: 400 }, (_, i) =>
          usageEvent({
            type: i % 3 ? 'session_started' : 'feature_used',
            account: { id: `acct_bulk_${i % 40}`, name: `Bulk ${i % 40}` },
            user: { id: `u_bulk_${(request * 400 + i) % 90}`, email: `p${i % 90}@bulk.example` },
            properties: i % 3 ? undefined : { feature: `feature ${i % 7}`, "quote's": '"\\' },
          }),
        ),
      });
    }
    await settled(pls);
    // An alert the account closed by buying on its own: HubSpot gets a note.
    await raiseHotAlert(pls, SELF_SERVED);
    await deliver(
      pls,
      usageEvent({ type: 'plan_changed', account: SELF_SERVED, properties: { plan: 'team' } }),
    );
    await pls.emulator.waitFor(() => receiver.received.length === 4, { description: 'four deliveries' });
    await hub.waitFor(async () => (await pls.query('select * from crm_tasks')).length === 1, {
      description: "the claimer's HubSpot task",
    });
    await hub.waitFor(async () => (await pls.query('select * from crm_notes')).length === 1, {
      description: 'the outcome note',
    });
    // A day's re-score under way (the test manifest has no play that needs one).
    await pls.write('insert into daily_ticks (day, cursor, finished_at) values (?, ?, ?)', [
      [20_400, 'acct_42', null],
      [20_399, 'acct_zz', 1_762_560_000_123],
    ]);
  } finally {
    await pls.stop();
    await receiver.close();
    await hub.stop();
  }
}, 60_000);

afterAll(async () => {
  for (const database of databases) await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run db:copy', () => {
  let target: string;
  let copied: { code: number; output: string; errors: string };
  let fileBefore: string;
  beforeAll(async () => {
    target = await emptyDatabase();
    fileBefore = sha256(sqlitePath);
    copied = await copy('--from', `file:${sqlitePath}`, '--to', target);
  });

  it('prints each table with its row count, then what it copied where', () => {
    expect(copied.errors).toBe('');
    expect(copied.code).toBe(0);
    const lines = copied.output.trimEnd().split('\n');
    expect(
      lines
        .slice(0, -1)
        .map((line) => line.split(':')[0])
        .sort(),
    ).toEqual(
      tables()
        .map((t) => t.name)
        .sort(),
    );
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^[a-z_]+: [\d,]+ rows?$/);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^copied [\\d,]+ rows of 14 tables from ${sqlitePath} to 127\\.0\\.0\\.1:\\d+/pls_test_\\w+ in \\d+\\.\\d s; start pls with DATABASE_URL set to it$`,
      ),
    );
  });

  it('copies every row of every table, every column, with its value', async () => {
    await withPostgres(target, async (client) => {
      for (const table of tables()) {
        const order = table.key.join(', ');
        const fromSqlite = readSqlite<Record<string, unknown>>(
          sqlitePath,
          `select ${table.columns.map((c) => `"${c}"`).join(', ')} from ${table.name} order by ${order}`,
        );
        const { rows } = await client.query(
          `select ${table.columns.map((c) => `"${c}"`).join(', ')} from ${table.name} order by ${order}`,
        );
        // Each table has rows, so each conversion is exercised.
        expect(fromSqlite.length, table.name).toBeGreaterThan(0);
        expect(rows, table.name).toEqual(fromSqlite.map((row) => asPostgres(row, table.types)));
        expect(copied.output).toContain(`${table.name}: ${fromSqlite.length.toLocaleString('en-US')} row`);
      }
    });
    expect(readSqlite<{ n: number }>(sqlitePath, 'select count(*) as n from events')[0]!.n).toBeGreaterThan(
      1000,
    );
  });

  it('only reads the SQLite file', () => {
    expect(sha256(sqlitePath)).toBe(fileBefore);
  });

  it('leaves a database pls runs on: the same alerts, nothing applied twice, new rows numbered after the copied ones', async () => {
    const before = await withPostgres(target, async (client) => ({
      events: (await client.query('select seq, processed_at, applied_seq from events order by seq')).rows,
      maxima: (
        await client.query(
          `select (select max(seq) from events) as events, (select max(applied_seq) from events) as applied,
                  (select max(seq) from alert_events) as audit, (select max(seq) from outbox) as outbox,
                  (select count(*)::int from alerts) as alerts`,
        )
      ).rows[0],
    }));
    const startedAt = Date.now();
    const pls: Harness = await startHarness({ env: { DATABASE_URL: target } });
    try {
      expect(pls.engine).toBe('postgres');
      // The queue reads the copied alerts: BigCo unclaimed, Acme claimed by Ben.
      const queue = await slashCommand(pls.url, 'U0MGR', 'queue');
      expect(JSON.stringify(queue.body.blocks)).toContain('BigCo');
      expect(JSON.stringify((await slashCommand(pls.url, 'U0BEN', 'queue mine')).body.blocks)).toMatch(
        /Acme[\s\S]*first touch due in/,
      );

      // A new event: stored after the copied ones and applied after them; once it is applied,
      // every copied event would have been re-applied before it, had any been pending.
      const fresh = usageEvent({ type: 'session_started', account: { id: 'acct_after_copy' } });
      await deliver(pls, fresh);
      const [stored] = await pls.query<{ seq: number; applied_seq: number }>(
        'select seq, applied_seq from events where id = ?',
        fresh.id,
      );
      expect(stored!.seq).toBeGreaterThan(before.maxima.events);
      expect(stored!.applied_seq).toBeGreaterThan(before.maxima.applied);
      expect(
        await pls.query(
          'select seq, processed_at, applied_seq from events where seq <= ? order by seq',
          before.maxima.events,
        ),
      ).toEqual(before.events);

      // Claiming the copied BigCo alert: its audit row and Slack call are numbered after the copied ones.
      await pressButton(pls.url, {
        actionId: 'claim',
        value: bigco.alertId,
        user: 'U0ANA',
        channel: bigco.channel,
        messageTs: bigco.ts,
      });
      await pls.emulator.waitFor(async () => (await alertRow(pls, bigco.alertId)).state === 'claimed');
      const [claimed] = await pls.query<{ seq: number }>(
        "select seq from alert_events where alert_id = ? and kind = 'claimed'",
        bigco.alertId,
      );
      expect(claimed!.seq).toBeGreaterThan(before.maxima.audit);
      const newer = await pls.query<{ seq: number }>(
        'select seq from outbox where created_at >= ?',
        startedAt,
      );
      expect(newer.length).toBeGreaterThan(0);
      for (const row of newer) expect(row.seq).toBeGreaterThan(before.maxima.outbox);
      expect(await pls.query('select count(*) as n from alerts')).toEqual([{ n: before.maxima.alerts }]);
    } finally {
      await pls.stop();
    }
  });

  it('refuses a target with rows, in one line, and changes nothing', async () => {
    const counts = async () => Promise.all(tables().map((t) => count(target, t.name)));
    const before = await counts();
    const again = await copy('--from', `file:${sqlitePath}`, '--to', target);
    expect(again.code).toBe(1);
    expect(again.output).toBe('');
    expect(again.errors).toMatch(
      /^127\.0\.0\.1:\d+\/pls_test_\w+ is not empty \([a-z_, ]+ have rows\): db:copy copies only into an empty database; nothing was changed\n$/,
    );
    expect(await counts()).toEqual(before);
  });
});

describe('what db:copy refuses', () => {
  it('a target where any one table has a row, before migrating it', async () => {
    const target = await emptyDatabase();
    await withPostgres(target, async (client) => {
      await client.query('create table rate_limits (scope text primary key, until bigint not null)');
      await client.query("insert into rate_limits values ('outbox', 1)");
    });
    const refused = await copy('--from', `file:${sqlitePath}`, '--to', target);
    expect(refused.code).toBe(1);
    expect(refused.errors).toMatch(/ is not empty \(rate_limits has rows\): .*; nothing was changed\n$/);
    expect(await exists(target, 'events')).toBe(false);
    expect(await count(target, 'rate_limits')).toBe(1);
  });

  it('a SQLite file that is not there, touching neither end', async () => {
    const target = await emptyDatabase();
    const missing = join(dir, 'missing', 'pls.db');
    expect(await copy('--from', `file:${missing}`, '--to', target)).toEqual({
      code: 1,
      output: '',
      errors: `no SQLite database at ${missing} (check --from)\n`,
    });
    expect(await exists(target, 'events')).toBe(false);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('a Postgres it cannot reach, or a database that is not there, in one line without the password', async () => {
    const unreachable = await copy(
      '--from',
      `file:${sqlitePath}`,
      '--to',
      'postgres://pls:hunter2@127.0.0.1:1/pls',
    );
    expect(unreachable).toEqual({
      code: 1,
      output: '',
      errors: 'cannot reach Postgres at 127.0.0.1:1/pls (ECONNREFUSED); nothing was copied\n',
    });
    const server = new URL(postgresServer());
    server.pathname = '/pls_test_not_there';
    const missing = await copy('--from', `file:${sqlitePath}`, '--to', server.toString());
    expect(missing).toEqual({
      code: 1,
      output: '',
      errors: `no database at 127.0.0.1:${server.port}/pls_test_not_there (check --to)\n`,
    });
  });

  it('a SQLite file an older pls left, which it will not migrate', async () => {
    const older = await spoiledCopy(
      'older.db',
      'delete from __drizzle_migrations where created_at = (select max(created_at) from __drizzle_migrations)',
    );
    const target = await emptyDatabase();
    const refused = await copy('--from', `file:${older}`, '--to', target);
    expect(refused).toMatchObject({ code: 1, output: '' });
    expect(refused.errors).toBe(
      `${older} lacks 1 migration of this pls: start this version of pls on it once (it migrates at start), stop it, then copy\n`,
    );
    expect(await exists(target, 'events')).toBe(false);
  });

  it('a row Postgres will not take: names it, and copies nothing', async () => {
    const spoiled = await spoiledCopy(
      'nul.db',
      `update events set properties = '{"note":"a\\u0000b"}' where seq = (select max(seq) from events)`,
    );
    const last = readSqlite<{ seq: number }>(spoiled, 'select max(seq) as seq from events')[0]!.seq;
    const target = await emptyDatabase();
    const refused = await copy('--from', `file:${spoiled}`, '--to', target);
    expect(refused.code).toBe(1);
    expect(refused.errors).toBe(
      `events seq ${last}: unsupported Unicode escape sequence (\\u0000 cannot be converted to text.); nothing was copied\n`,
    );
    for (const table of tables()) expect(await count(target, table.name), table.name).toBe(0);
  });

  it('usage errors, with exit 2 and the usage; --help prints it', async () => {
    const noTarget = await runToExit(['src/cli/db-copy.ts', '--from', `file:${sqlitePath}`], {});
    expect(noTarget.code).toBe(2);
    expect(noTarget.output).toMatch(
      /^name the Postgres database with --to postgres:\/\/user:password@host:5432\/pls\nusage: npm run db:copy -- /,
    );
    const notPostgres = await copy('--from', `file:${sqlitePath}`, '--to', 'mysql://root:hunter2@db/pls');
    expect(notPostgres.code).toBe(2);
    expect(notPostgres.errors).toMatch(
      /^--to must be a Postgres URL like postgres:\/\/user:password@host:5432\/pls/,
    );
    expect(notPostgres.errors).not.toContain('hunter2');
    const bare = await copy('--from', sqlitePath, '--to', 'postgres://localhost/pls');
    expect(bare.code).toBe(2);
    expect(bare.errors).toMatch(/^--from must be a SQLite file URL like file:\.\/data\/pls\.db, got "/);
    expect((await copy('--from', `file:${sqlitePath}`, 'postgres://localhost/pls')).errors).toMatch(
      /^unexpected argument "postgres:\/\/localhost\/pls"\n/,
    );
    const help = await copy('--help');
    expect(help).toMatchObject({ code: 0, errors: '' });
    expect(help.output).toMatch(/^usage: npm run db:copy -- --from file:<sqlite path> --to postgres:\/\//);
  });
});
