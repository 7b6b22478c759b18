import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runToExit } from '../support/child-process.js';
import { usageEvent } from '../support/events.js';
import { deliver, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

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
  runToExit(['src/forget.ts', ...args], env);

describe('npm run forget against the database the bot wrote', () => {
  let pls: Harness;
  beforeEach(async () => {
    pls = await startHarness();
  });
  afterEach(async () => {
    await pls.stop(); // after pls.server.stop() in the test: stopping twice is a no-op
  });

  const n = (sql: string, ...params: unknown[]) => pls.query<{ n: number }>(sql, ...params)[0]!.n;
  const globexData = () => ({
    account: pls.query('select * from accounts where id = ?', GLOBEX.id),
    events: pls.query('select * from events where account_id = ? order by seq', GLOBEX.id),
    members: pls.query('select * from account_users where account_id = ? order by user_id', GLOBEX.id),
    users: pls.query(
      'select * from users where id in (select user_id from account_users where account_id = ?) order by id',
      GLOBEX.id,
    ),
  });

  it('erases one account, found by its domain, and leaves the other account and shared people', async () => {
    const alert = await raiseHotAlert(pls);
    await deliver(pls, { events: globexEvents() });
    await settled(pls);

    const acme = {
      events: n("select count(*) as n from events where account_id = 'acct_42'"),
      audit: n('select count(*) as n from alert_events where alert_id = ?', alert.alertId),
      outbox: n('select count(*) as n from outbox where alert_id = ?', alert.alertId),
    };
    expect(acme.events).toBeGreaterThan(20);
    expect(acme.audit).toBeGreaterThan(0);
    expect(acme.outbox).toBeGreaterThan(0);
    const globexBefore = globexData();
    expect(globexBefore.users.map((u) => (u as { id: string }).id)).toEqual(['u_20', 'u_7']);

    await pls.server.stop();
    const { code, output } = await forget(['acme.com'], { DATABASE_URL: `file:${pls.dbPath}` });

    expect(output).toContain(
      `forgot acct_42 (acme.com): ${acme.events} events, 3 users, 1 alert (${acme.audit} audit row${acme.audit === 1 ? '' : 's'}, ${acme.outbox} Slack message${acme.outbox === 1 ? '' : 's'} queued or sent)\n`,
    );
    expect(output).toContain(`${alert.channel} ts ${alert.ts}`);
    expect(code).toBe(0);

    // Acme is gone: account, events, memberships, its own people, alert, audit trail, outbox.
    expect(n("select count(*) as n from accounts where id = 'acct_42' or domain = 'acme.com'")).toBe(0);
    expect(n("select count(*) as n from events where account_id = 'acct_42'")).toBe(0);
    expect(n("select count(*) as n from account_users where account_id = 'acct_42'")).toBe(0);
    expect(n("select count(*) as n from users where id in ('u_8', 'u_9', 'u_10')")).toBe(0);
    expect(n("select count(*) as n from alerts where account_id = 'acct_42'")).toBe(0);
    expect(n('select count(*) as n from alert_events where alert_id = ?', alert.alertId)).toBe(0);
    expect(n('select count(*) as n from outbox where alert_id = ?', alert.alertId)).toBe(0);
    // Globex, and Kim who works in both, are untouched.
    expect(globexData()).toEqual(globexBefore);

    const again = await forget(['acct_42'], { DATABASE_URL: `file:${pls.dbPath}` });
    expect(again).toEqual({
      code: 1,
      output: `no account acct_42 in ${pls.dbPath} (give an account id or a domain)\n`,
    });
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
    expect(output).toMatch(/^usage: npm run forget -- <account id or domain>\n/);
  });

  it('with no database file says so in one line, exits 1 and creates nothing', async () => {
    const path = join(dir, 'data', 'pls.db');
    const { code, output } = await forget(['acct_42'], { DATABASE_URL: `file:${path}` });
    expect({ code, output }).toEqual({ code: 1, output: `no database at ${path} (check DATABASE_URL)\n` });
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('with a DATABASE_URL that is not a SQLite file URL names the variable, not its value', async () => {
    const { code, output } = await forget(['acct_42'], { DATABASE_URL: 'postgres://u:secret@db/pls' });
    expect({ code, output }).toEqual({
      code: 1,
      output: 'env DATABASE_URL: must be a SQLite file URL like file:./data/pls.db\n',
    });
  });
});
