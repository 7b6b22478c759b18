import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadManifest } from '../../src/config/manifest.js';
import { openDatabase } from '../../src/db/sqlite/client.js';
import { sqliteStorageOn } from '../../src/db/sqlite/sqlite-storage.js';
import { escalationDueAt } from '../../src/domain/escalation.js';
import type { PolicySnapshot } from '../../src/domain/sla.js';
import { createLogger } from '../../src/obs/logger.js';
import { createRecorder } from '../load/latency.js';
import type { BenchContext } from '../support/context.js';
import { BENCH_MANIFEST, plsEnv } from '../support/pls.js';
import { auto, type Figure, fmt } from '../support/report.js';
import { seedDatabase } from '../support/seed.js';

/**
 * One SLA sweep — what the scheduler runs every `sweep_every`: retention batch, escalation
 * ladder, first-touch breaches, back-off — on pls's own `buildApp(...).internals.sweep`, with
 * 10,000 open alerts in the database: at rest (no step due), and with `due` alerts whose next
 * step has fallen due (a sweep is one transaction, each step a savepoint in it), several rounds.
 */
export async function sweepTimes(ctx: BenchContext): Promise<Figure[]> {
  const { sizes } = ctx;
  const dir = ctx.dir('sweep');
  const dbPath = join(dir, 'pls.db');
  const manifest = loadManifest(BENCH_MANIFEST);
  const now = Date.now();
  const due = ctx.quick ? 10 : 100;
  ctx.log(
    `sweep: seeding ${fmt(sizes.commandAccounts)} accounts and ${fmt(sizes.commandAlerts)} open alerts`,
  );
  await seedDatabase({
    path: dbPath,
    manifest,
    accounts: sizes.commandAccounts,
    alerts: sizes.commandAlerts,
    now,
    days: 3,
    states: { open: 1, claimed: 0, contacted: 0 },
    seed: 'pls-bench-sweep',
  });
  const { env, webhooks } = loadConfig(
    plsEnv({
      databaseUrl: `file:${dbPath}`,
      slackApiUrl: ctx.emulator.url,
      webhookSecret: ctx.webhookSecret,
    }),
  );
  const db = openDatabase(dbPath);
  const storage = sqliteStorageOn(db, { logger: createLogger('silent'), checkpoints: false });
  const app = buildApp({ env, manifest, webhooks, storage, logger: createLogger('silent') });
  const sqlite = db.$client;
  const escalations = sqlite.prepare<[], { n: number }>(
    "select count(*) as n from alert_events where kind = 'escalation'",
  );
  const open = (
    sqlite.prepare("select count(*) as n from alerts where state = 'open'").get() as { n: number }
  ).n;

  /** Moves `count` open alerts back one rung: their last step is due again (a step that fell due since the last sweep). */
  const makeDue = (count: number) => {
    const rows = sqlite
      .prepare(
        'select id, policy, tier_set_at as tierSetAt, escalation_cursor as cursor from alerts where state = ? and escalation_cursor > 0 order by random() limit ?',
      )
      .all('open', count) as { id: string; policy: string; tierSetAt: number; cursor: number }[];
    const update = sqlite.prepare(
      'update alerts set escalation_cursor = ?, next_escalation_at = ? where id = ?',
    );
    sqlite.transaction(() => {
      for (const row of rows) {
        const policy = JSON.parse(row.policy) as PolicySnapshot;
        update.run(row.cursor - 1, escalationDueAt(policy, row.tierSetAt, row.cursor - 1), row.id);
      }
    })();
    return rows.length;
  };
  const timed = async (run: () => Promise<void>) => {
    const before = escalations.get()!.n;
    const t0 = performance.now();
    await run();
    return { ms: performance.now() - t0, fired: escalations.get()!.n - before };
  };

  // The floors of this design, in the same database: the sweep's three index queries alone,
  // and `n` steps' writes (alert row, audit row, two outbox-shaped rows) in one transaction.
  const floorQueries = [
    "select * from alerts where next_escalation_at <= ? and state = 'open' order by next_escalation_at limit 500",
    "select * from alerts where state = 'claimed' and first_touch_breached_at is null and first_touch_due_at <= ? limit 500",
    "select * from alerts where state = 'contacted' and contacted_at <= ? order by contacted_at limit 500",
  ].map((q) => sqlite.prepare(q));
  const queryFloor = () => {
    const t0 = performance.now();
    for (const q of floorQueries) q.all(Date.now());
    return performance.now() - t0;
  };
  sqlite.exec('create table if not exists bench_outbox as select * from outbox where 0');
  const floorIds = (
    sqlite.prepare("select id from alerts where state = 'open' limit ?").all(due) as { id: string }[]
  ).map((r) => r.id);
  const touch = sqlite.prepare('update alerts set updated_at = ? where id = ?');
  const audit = sqlite.prepare(
    "insert into alert_events (alert_id, at, kind, actor, data) values (?, ?, 'bench_floor', null, '{}')",
  );
  const fakeOutbox = sqlite.prepare(
    'insert into bench_outbox (kind, alert_id, payload, created_at, next_attempt_at, attempts) values (\'message\', ?, \'{"text":"floor"}\', ?, ?, 0)',
  );
  const writeSteps = sqlite.transaction((steps: number) => {
    for (let i = 0; i < steps; i++) {
      const id = floorIds[i % floorIds.length]!;
      const at = Date.now();
      touch.run(at, id);
      audit.run(id, at);
      fakeOutbox.run(id, at, at);
      fakeOutbox.run(id, at, at);
    }
  });
  const writeFloor = (steps: number) => {
    const t0 = performance.now();
    writeSteps(steps);
    return performance.now() - t0;
  };

  try {
    const { sweep } = app.internals;
    await sweep(); // the first sweep of a process: statements compile, caches fill
    const atRest = createRecorder();
    let firedAtRest = 0;
    for (let i = 0; i < (ctx.quick ? 3 : 10); i++) {
      const run = await timed(sweep);
      atRest.record(run.ms);
      firedAtRest += run.fired;
    }
    const queryFloors = createRecorder();
    for (let i = 0; i < 10; i++) queryFloors.record(queryFloor());
    // Rounds: each moves `due` alerts back one rung and sweeps once.
    const withDue = createRecorder();
    let fired = 0;
    let madeDue = 0;
    for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
      madeDue = makeDue(due);
      const run = await timed(sweep);
      withDue.record(run.ms);
      fired = run.fired;
    }
    ctx.log(
      `  at rest: p50 ${auto(atRest.percentile(50))} ms; ${fired} due steps: p50 ${auto(withDue.percentile(50))} ms, max ${auto(withDue.max())} ms over ${withDue.count} sweeps`,
    );
    const perStep = fired > 0 ? withDue.percentile(50) / fired : Number.NaN;
    const stepFloor = writeFloor(Math.max(1, fired));
    sqlite.exec("delete from alert_events where kind = 'bench_floor'; drop table bench_outbox");
    return [
      {
        id: 'sweep.at-rest',
        what: `one SLA sweep, ${fmt(open)} open alerts, no step due`,
        value: atRest.percentile(50),
        unit: 'ms',
        detail: `max ${auto(atRest.max())} ms over ${atRest.count} sweeps${firedAtRest > 0 ? `; fired ${firedAtRest}` : ''}`,
        baseline: { what: "the sweep's three queries alone", value: queryFloors.percentile(50), unit: 'ms' },
        ratio: atRest.percentile(50) / queryFloors.percentile(50),
        target: { text: '< 50 ms', met: atRest.percentile(50) < 50 },
        data: { atRest: atRest.summary(), open, queryFloor: queryFloors.summary() },
      },
      {
        id: 'sweep.due',
        what: `one SLA sweep, ${fmt(open)} open alerts, ${fired} steps due`,
        value: withDue.percentile(50),
        unit: 'ms',
        detail: `p50 of ${withDue.count} sweeps, max ${auto(withDue.max())} ms; ${auto(perStep)} ms a step, all in one transaction`,
        baseline: {
          what: `the same number of steps' writes in one transaction`,
          value: stepFloor,
          unit: 'ms',
          detail: `${auto(stepFloor / Math.max(1, fired))} ms a step`,
        },
        ratio: withDue.percentile(50) / stepFloor,
        target: { text: '< 50 ms', met: withDue.percentile(50) < 50 },
        data: { withDue: withDue.summary(), fired, requested: due, madeDue },
      },
    ];
  } finally {
    await app.stop();
    await storage.close();
  }
}
