import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibration/calibration.js';
import { calibrateOffThread } from '../../src/calibration/calibration-runner.js';
import { calibrationHeadline, renderCalibration } from '../../src/calibration/render-calibration.js';
import { type Database, databaseOf } from '../../src/config/env.js';
import { loadManifest } from '../../src/config/manifest.js';
import type { HistorySource, LiveAlert } from '../../src/db/history.js';
import { openHistorySource } from '../../src/db/open-history.js';
import { replayDatabase } from '../../src/replay/replay-database.js';
import { type ReplayAlert, replayPages } from '../../src/replay/replay-engine.js';
import type { ReplayReport } from '../../src/replay/replay-report.js';
import { validateBlocks } from '../../tools/emulator/block-kit-limits.js';
import { runToExit } from '../support/child-process.js';
import { ACME, usageEvent, warmingAccount } from '../support/events.js';
import { deliver, settled } from '../support/flows.js';
import { type Harness, startHarness, TEST_MANIFEST } from '../support/harness.js';
import { pressButton, select, submitView, typed } from '../support/slack-requests.js';

/**
 * "A replay of the live manifest matches what live scoring did": the real app scores a realistic
 * history and reps work its alerts over Slack (won, not a fit, a self-serve purchase, an upgrade
 * in place, a cooldown, a late signal, a too-small account, a second alert after the cooldown);
 * then, with the app stopped, the replay of the same manifest must raise the same alerts — same
 * accounts, moments, tiers, teams and triggers — and close them the same way, without changing
 * a byte of the database. On either engine: on Postgres the history is read in the order live
 * scoring recorded (`applied_seq`).
 */
const HOUR = 3_600_000;
/** The story is set up while the other test files run: a click may take a while to commit. */
const SETTLING = { timeoutMs: 20_000 };
const DAY = 24 * HOUR;

let pls: Harness;
let offset = 0;
const now = () => Date.now() + offset;
const advance = (ms: number) => {
  offset += ms;
  pls.advance(ms);
};

const account = (id: string, extra: Record<string, unknown> = {}) => ({
  ...ACME,
  id,
  name: id,
  domain: `${id}.example`,
  ...extra,
});
const A = account('acct_a');
const B = account('acct_b', { employees: 5000 });
const C = account('acct_c');
const D = account('acct_d', { employees: 10 });
const E = account('acct_e');
const F = account('acct_f');

const at = (ms = 0) => new Date(now() - ms);
const limitHit = (acct: Record<string, unknown>, ago = 0) =>
  usageEvent({
    type: 'usage_limit_hit',
    account: acct,
    timestamp: at(ago),
    properties: { limit: 'API calls', used: 10_000, quota: 10_000 },
  });
const pricing = (acct: Record<string, unknown>, ago: number) =>
  usageEvent({ type: 'pricing_page_viewed', account: acct, timestamp: at(ago) });

async function alertOf(accountId: string) {
  const [row] = await pls.query<{ id: string; channel: string; message_ts: string }>(
    "select id, channel, message_ts from alerts where account_id = ? and state <> 'closed'",
    accountId,
  );
  if (!row?.message_ts) throw new Error(`no posted alert for ${accountId}`);
  return row;
}

async function press(accountId: string, actionId: string, user: string) {
  const row = await alertOf(accountId);
  const res = await pressButton(pls.url, {
    actionId,
    value: row.id,
    user,
    channel: row.channel,
    messageTs: row.message_ts,
  });
  expect(res.status).toBe(200);
  return row.id;
}

const stateOf = async (alertId: string) =>
  (await pls.query<{ state: string }>('select state from alerts where id = ?', alertId))[0]!.state;

/** What the database holds: the file's bytes on SQLite, every table's rows on Postgres. */
async function contents(): Promise<string> {
  const hash = createHash('sha256');
  if (pls.engine === 'sqlite') return hash.update(readFileSync(pls.dbPath)).digest('hex');
  for (const table of ['accounts', 'users', 'account_users', 'events', 'alerts', 'alert_events', 'outbox']) {
    hash.update(JSON.stringify(await pls.query(`select * from ${table} order by 1`)));
  }
  return hash.digest('hex');
}

const database = (): Database => databaseOf(pls.databaseUrl) as Database;

async function withHistory<T>(read: (history: HistorySource) => Promise<T>): Promise<T> {
  const history = await openHistorySource(database());
  try {
    return await read(history);
  } finally {
    await history.close();
  }
}

interface Comparable {
  accountId: string;
  openedAt: number;
  tier: string;
  teamId: string;
  signalId: string | null;
  why: string;
  eventId: string;
  closedAt: number | null;
  outcome: string | null;
}

const fromLive = (a: LiveAlert): Comparable => ({
  accountId: a.accountId,
  openedAt: a.openedAt,
  tier: a.tier,
  teamId: a.teamId,
  signalId: a.trigger.signalId,
  why: a.trigger.text,
  eventId: a.trigger.eventId,
  closedAt: a.closedAt,
  outcome: a.outcome,
});

const fromReplay = (a: ReplayAlert): Comparable => ({
  accountId: a.accountId,
  openedAt: a.openedAt,
  tier: a.tier,
  teamId: a.teamId,
  signalId: a.trigger.signalId,
  why: a.trigger.text,
  eventId: a.trigger.eventId,
  closedAt: a.closedAt,
  outcome: a.outcome,
});

beforeAll(async () => {
  pls = await startHarness();
  // Day 0: five accounts warm up; four reach a handoff moment.
  await deliver(pls, { events: [...warmingAccount(A, now()), limitHit(A)] });
  await deliver(pls, { events: [...warmingAccount(B, now()), limitHit(B)] });
  await deliver(pls, {
    events: [...warmingAccount(C, now()), pricing(C, 3 * HOUR), pricing(C, 2 * HOUR), pricing(C, HOUR)],
  });
  await deliver(pls, { events: [...warmingAccount(D, now()), limitHit(D)] }); // 10 employees: self-serve
  await deliver(pls, { events: [...warmingAccount(E, now()), limitHit(E, 30 * HOUR)] }); // late: scores, never pages
  await deliver(pls, {
    events: [...warmingAccount(F, now()), pricing(F, 3 * HOUR), pricing(F, 2 * HOUR), pricing(F, HOUR)],
  });
  await settled(pls);

  // Reps work them: A won, B not a fit; C buys on its own; F turns hot (an upgrade in place).
  advance(HOUR);
  const a1 = await press('acct_a', 'claim', 'U0ANA');
  await pls.emulator.waitFor(async () => (await stateOf(a1)) === 'claimed', SETTLING);
  advance(HOUR);
  await press('acct_a', 'log_outcome', 'U0ANA');
  await submitView(pls.url, {
    callbackId: 'log_outcome',
    privateMetadata: a1,
    user: 'U0ANA',
    values: {
      outcome: { outcome_select: select('won') },
      amount: { amount_input: typed('12000', 'number_input') },
      objections: { objections_input: typed(null) },
      self_serve: { self_serve_input: typed(null) },
      note: { note_input: typed(null) },
    },
  });
  await pls.emulator.waitFor(async () => (await stateOf(a1)) === 'closed', SETTLING);
  const b1 = await press('acct_b', 'not_a_fit', 'U0ANA');
  await submitView(pls.url, {
    callbackId: 'not_a_fit',
    privateMetadata: b1,
    user: 'U0ANA',
    values: { reason: { reason_select: select('existing_customer') }, note: { note_input: typed(null) } },
  });
  await pls.emulator.waitFor(async () => (await stateOf(b1)) === 'closed', SETTLING);
  advance(HOUR);
  await deliver(
    pls,
    usageEvent({ type: 'plan_changed', account: C, timestamp: at(), properties: { plan: 'team' } }),
  );
  await deliver(pls, limitHit(F));
  await settled(pls);

  // Day 3: B hits a limit again, inside its cooldown. Day 15: A is back, past it.
  advance(3 * DAY);
  await deliver(pls, limitHit(B));
  advance(12 * DAY);
  await deliver(pls, { events: [...warmingAccount(A, now()), limitHit(A)] });
  await settled(pls);
  await pls.server.stop();
}, 120_000);

afterAll(async () => {
  await pls?.stop();
});

describe('a replay of the live manifest', () => {
  it('raises the alerts live scoring raised, at the same moments, and ends them the same way', async () => {
    await withHistory(async (history) => {
      const liveAlerts = await history.liveAlerts();
      const live = liveAlerts.map(fromLive);
      // The story above, as live pls told it.
      expect(live.map((a) => [a.accountId, a.tier, a.teamId, a.signalId, a.outcome])).toEqual([
        ['acct_a', 'hot', 'mid-market', 'usage_limit_hit', 'won'],
        ['acct_b', 'hot', 'enterprise', 'usage_limit_hit', 'not_a_fit'],
        ['acct_c', 'warm', 'mid-market', 'pricing_repeat', 'self_served'],
        ['acct_f', 'hot', 'mid-market', 'usage_limit_hit', null],
        ['acct_a', 'hot', 'mid-market', 'usage_limit_hit', null],
      ]);
      const manifest = loadManifest(TEST_MANIFEST);
      const replayed = await replayPages(
        { manifests: [manifest], liveAlerts, until: now() },
        history.events(),
      );
      expect(replayed.lanes[0]!.alerts.map(fromReplay)).toEqual(live);
      // F opened warm on its third pricing view and was upgraded in place by the limit hit.
      const f = replayed.lanes[0]!.alerts.find((a) => a.accountId === 'acct_f')!;
      expect(f).toMatchObject({ openTier: 'warm', tier: 'hot' });
      expect(f.openTrigger.signalId).toBe('pricing_repeat');
      expect(liveAlerts.find((a) => a.accountId === 'acct_f')!.openingTrigger).toEqual(f.openTrigger);
      // Every replayed alert found its live alert by the event it opened on.
      expect(replayed.lanes[0]!.alerts.map((a) => a.live?.match)).toEqual([
        'exact',
        'exact',
        'exact',
        'exact',
        'exact',
      ]);
      // The exhaustive reference agrees with the fast path here too.
      const exhaustive = await replayPages(
        { manifests: [manifest], liveAlerts, until: now(), exhaustive: true },
        history.events(),
      );
      expect(exhaustive.lanes[0]!.alerts).toEqual(replayed.lanes[0]!.alerts);
    });
  });

  it('gives the same result split across processes', async () => {
    const liveAlerts = await withHistory((history) => history.liveAlerts());
    const options = {
      database: database(),
      manifests: [loadManifest(TEST_MANIFEST)],
      liveAlerts,
      matchWindow: 7 * DAY,
      purchaseLookback: 30 * DAY,
      until: now(),
    };
    const one = await replayDatabase({ ...options, jobs: 1 });
    expect(one.lanes[0]!.alerts.map(fromReplay)).toEqual(liveAlerts.map(fromLive));
    const split = await replayDatabase({ ...options, jobs: 3, parallelFrom: 0 });
    expect(split).toEqual(one);
  }, 60_000);
});

describe('npm run replay and npm run calibrate against the database the bot wrote', () => {
  const env = () => ({ DATABASE_URL: pls.databaseUrl, PLS_MANIFEST: TEST_MANIFEST });
  // The app's clock ran 15 days ahead of the wall clock: report as of the app's "now".
  const until = () => new Date(now()).toISOString();

  it('reports the live manifest’s replay as reproducing every live alert, and changes nothing on disk', async () => {
    const before = await contents();
    const { code, output } = await runToExit(
      ['src/cli/replay.ts', '--json', '--since', '30d', '--until', until()],
      env(),
      60_000,
    );
    expect(code, output).toBe(0);
    const report = JSON.parse(output) as ReplayReport;
    expect(report.fidelity).toEqual({ live: 5, reproduced: 5, differ: 0, onlyLive: 0, onlyReplay: 0 });
    expect(report.alerts).toMatchObject({ total: 5, hot: 4, warm: 1, upgraded: 1, accounts: 4 });
    expect(report.alerts.byTeam).toEqual({
      'mid-market': { total: 4, hot: 3, warm: 1 },
      enterprise: { total: 1, hot: 1, warm: 0 },
    });
    expect(report.endings).toMatchObject({ won: 1, not_a_fit: 1, self_served: 1, open: 2 });
    // C bought while alerted; A's win is a conversion the alert saw coming.
    expect(report.conversions).toMatchObject({ total: 2, alerted: 2, missed: [] });
    expect(report.diff).toBeNull();
    expect(await contents()).toBe(before);
  }, 60_000);

  it('diffs a stricter manifest against the live one', async () => {
    const strict = join(pls.dir, 'strict.yml');
    writeFileSync(
      strict,
      readFileSync(TEST_MANIFEST, 'utf8').replace(
        'tiers: { hot: 70, warm: 40 }',
        'tiers: { hot: 70, warm: 69 }',
      ),
    );
    const { code, output } = await runToExit(
      ['src/cli/replay.ts', '--manifest', strict, '--since', '30d', '--until', until()],
      env(),
      60_000,
    );
    expect(code, output).toBe(0);
    expect(output).toContain(`Replay of ${strict}`);
    // C's warm alert (score 68) is one the stricter manifest would not have raised; C then
    // bought on its own, a missed PQL for it. F waits for its limit hit, and is alerted hot
    // (as hot as live F ended up after its upgrade).
    expect(output).toMatch(/same 4 · only this manifest 0 · only .*test\.yml 1 · tier changes 0/);
    expect(output).toMatch(/missed PQLs: 1\n {2}acct_c {2}\d{4}-\d\d-\d\d {2}bought team/);
    expect(output).toMatch(/Live manifest's replay vs the alerts table: 5 of 5 live alerts reproduced/);
  }, 60_000);

  it('calibrates, and says plainly that five alerts are too few to trust', async () => {
    const before = await contents();
    const { code, output } = await runToExit(
      ['src/cli/calibrate.ts', '--since', '30d', '--until', until()],
      env(),
      60_000,
    );
    expect(code, output).toBe(0);
    expect(output).toContain('PQL→won: not enough outcomes over 30 days yet (1 won of 2 outcomes');
    expect(output).toMatch(/Outcomes: 5 alerts · 3 labelled \(2 converted, 1 not\) · 2 pending/);
    expect(output).toContain('not a fit 1 (existing customer 1)');
    expect(output).toContain('warning: Only 3 alerts with a known outcome');
    expect(output).toContain('Too few outcomes to fit a model');
    expect(await contents()).toBe(before);
  }, 60_000);

  it('refuses a database that is not there, and bad flags, with a sentence', async () => {
    const nowhere =
      pls.engine === 'sqlite'
        ? `file:${join(pls.dir, 'nope.db')}`
        : Object.assign(new URL(pls.databaseUrl), { pathname: '/nope' }).href;
    const missing = await runToExit(['src/cli/replay.ts'], { ...env(), DATABASE_URL: nowhere });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(
      pls.engine === 'sqlite'
        ? /^no database at .*nope\.db \(check DATABASE_URL\)\n$/
        : /^cannot read 127\.0\.0\.1:\d+\/nope: database "nope" does not exist\n$/,
    );
    const usage = await runToExit(['src/cli/calibrate.ts', '--since', 'soon'], env());
    expect(usage.code).toBe(2);
    expect(usage.output).toMatch(
      /^--since: expected a duration like 30s, 15m, 4h, 7d or PT15M, got "soon"\nusage: npm run calibrate/,
    );
  }, 60_000);
});

describe('calibration for /pls calibrate', () => {
  it('runs in a child process and gives the report the CLI computes, ready for Slack', async () => {
    const manifest = loadManifest(TEST_MANIFEST);
    const at = now();
    const offThread = await calibrateOffThread({
      database: database(),
      manifest,
      now: at,
      since: 30 * DAY,
    });
    expect(offThread).toEqual(
      await withHistory((history) => calibrate(history, manifest, { now: at, since: 30 * DAY })),
    );
    expect(calibrationHeadline(offThread)).toMatch(/^PQL→won: not enough outcomes over 30 days yet/);
    const message = renderCalibration(offThread);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.text).toBe(calibrationHeadline(offThread));
  }, 60_000);
});
