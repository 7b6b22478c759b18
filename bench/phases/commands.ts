import { join } from 'node:path';
import Database from 'better-sqlite3';
import { copyDatabase } from '../../src/cli/db-copy-command.js';
import { loadManifest } from '../../src/config/manifest.js';
import { openPostgresStorage } from '../../src/db/postgres/pg-storage.js';
import { openSqliteStorage } from '../../src/db/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/db/storage.js';
import { createLogger } from '../../src/obs/logger.js';
import { createAccountViews } from '../../src/services/account-view.js';
import { createQueueService, parseQueueArgs } from '../../src/services/queue.js';
import { createSlaReports, parseSlaArgs } from '../../src/services/sla-report-service.js';
import { userIdOf } from '../../src/slack/listeners/commands/pls.js';
import { renderAccount } from '../../src/slack/render-account.js';
import { renderQueue } from '../../src/slack/render-queue.js';
import { renderSlaReport } from '../../src/slack/render-sla-report.js';
import { Connection, targetOf } from '../load/http-client.js';
import { createRecorder, type LatencySummary } from '../load/latency.js';
import type { BenchContext } from '../support/context.js';
import { BENCH_MANIFEST, BENCH_SIGNING_SECRET, startPls } from '../support/pls.js';
import { auto, type Figure, fmt } from '../support/report.js';
import { seedDatabase } from '../support/seed.js';
import { slashCommandRequest, timeCommand } from '../support/slack-command.js';

interface CommandSpec {
  id: string;
  text: string;
  user: string;
  who: string;
  /** The same work without Slack, HTTP or Bolt: the service call and the renderer. */
  service: () => unknown;
}

/**
 * `/pls queue`, `/pls sla` and `/pls account` against a database of 100,000 accounts and
 * 10,000 alerts (seeded through pls's repositories and domain into a SQLite file; on Postgres,
 * copied from it with `npm run db:copy`'s code): the signed slash command's round trip against
 * the running app (the ack carries the reply, so this is the server's time plus loopback), and
 * the service call alone, in this process, on the same engine, as its baseline.
 */
export async function commandTimes(ctx: BenchContext): Promise<Figure[]> {
  const { sizes } = ctx;
  const dir = ctx.dir('commands');
  const dbPath = join(dir, 'pls.db');
  const manifest = loadManifest(BENCH_MANIFEST);
  const now = Date.now();
  ctx.log(`commands: seeding ${fmt(sizes.commandAccounts)} accounts and ${fmt(sizes.commandAlerts)} alerts`);
  const seeded = await seedDatabase({
    path: dbPath,
    manifest,
    accounts: sizes.commandAccounts,
    alerts: sizes.commandAlerts,
    now,
    days: 30,
    states: { open: 0.35, claimed: 0.15, contacted: 0.1 },
  });
  ctx.log(`  seeded in ${auto(seeded.seconds)} s: ${JSON.stringify(seeded.alerts)}`);

  let databaseUrl = `file:${dbPath}`;
  if (ctx.postgres) {
    databaseUrl = await ctx.postgres.database('commands');
    const copied = await copyDatabase(dbPath, databaseUrl);
    ctx.log(`  copied into Postgres in ${auto(copied.ms / 1000)} s`);
  }

  const manager = manifest.routing.managers[0]!;
  const rep = manifest.routing.teams.find((t) => t.reps.length > 0)!.reps[0]!;
  // The read services as the app builds them, on the engine under test; a read is a promise,
  // timed to its settling.
  const logger = createLogger('silent');
  const storage: Storage = ctx.postgres
    ? await openPostgresStorage(databaseUrl, { logger, poolSize: 10 })
    : openSqliteStorage(dbPath, { logger, checkpoints: false });
  const { store } = storage;
  const { accounts, alerts, slaReport } = storage.repositories();
  const queue = createQueueService({ alerts, accounts, manifest, store });
  const sla = createSlaReports({ query: slaReport, manifest, store });
  const views = createAccountViews({ accounts, alerts, manifest, store });
  const hotSql = "select account_id as id from alerts where tier = 'hot' limit 1";
  const [hot] = ctx.postgres
    ? await ctx.postgres.query<{ id: string }>(databaseUrl, hotSql)
    : (readFile(dbPath, hotSql) as { id: string }[]);
  const hotAccount = hot?.id ?? 'acct_0';
  const specs: CommandSpec[] = [
    {
      id: 'queue.manager',
      text: 'queue',
      user: manager,
      who: 'a manager (every team, unclaimed)',
      service: async () => renderQueue(await queue.queue(manager, parseQueueArgs([], manifest), Date.now())),
    },
    {
      id: 'queue.all',
      text: 'queue all',
      user: manager,
      who: 'a manager, every open alert',
      service: async () =>
        renderQueue(await queue.queue(manager, parseQueueArgs(['all'], manifest), Date.now())),
    },
    {
      id: 'queue.rep',
      text: 'queue',
      user: rep,
      who: "a rep (the rep's teams)",
      service: async () => renderQueue(await queue.queue(rep, parseQueueArgs([], manifest), Date.now())),
    },
    {
      id: 'sla.30d',
      text: 'sla',
      user: manager,
      who: 'a manager, 30 days (every alert)',
      service: async () =>
        renderSlaReport(await sla.report(parseSlaArgs([], manifest, userIdOf), Date.now())),
    },
    {
      id: 'sla.90d',
      text: 'sla 90d',
      user: manager,
      who: 'a manager, 90 days',
      service: async () =>
        renderSlaReport(await sla.report(parseSlaArgs(['90d'], manifest, userIdOf), Date.now())),
    },
    {
      id: 'account',
      text: `account ${hotAccount}`,
      user: manager,
      who: 'a hot account',
      service: async () => renderAccount(await views.view(hotAccount, Date.now())),
    },
  ];
  const serviceTimes = new Map<string, LatencySummary>();
  for (const spec of specs) {
    await spec.service();
    const recorder = createRecorder();
    await repeat(sizes.commandRuns, async () => {
      const t0 = performance.now();
      await spec.service();
      recorder.record(performance.now() - t0);
    });
    serviceTimes.set(spec.id, recorder.summary());
  }
  await storage.close();

  const pls = await startPls({
    databaseUrl,
    slackApiUrl: ctx.emulator.url,
    webhookSecret: ctx.webhookSecret,
    cpu: ctx.serverCpu,
    nodeArgs: ctx.plsNodeArgs,
  });
  const callsBefore = ctx.emulator.calls.length;
  try {
    const target = targetOf(pls.url);
    const connection = new Connection(target);
    const figures: Figure[] = [];
    // Let start-up work (the first sweep, the Slack check) finish first.
    await new Promise((r) => setTimeout(r, 1_000));
    for (const spec of specs) {
      const first = await timeCommand(
        connection,
        slashCommandRequest(target, BENCH_SIGNING_SECRET, spec.user, spec.text),
      );
      if (first.status !== 200 || /went wrong|not a |Unknown command/.test(first.reply.text ?? ''))
        throw new Error(`/pls ${spec.text} answered ${first.status}: ${first.reply.text}`);
      const recorder = createRecorder();
      for (let i = 0; i < sizes.commandRuns; i++) {
        const run = await timeCommand(
          connection,
          slashCommandRequest(target, BENCH_SIGNING_SECRET, spec.user, spec.text),
        );
        recorder.record(run.ms);
      }
      const http = recorder.summary();
      const service = serviceTimes.get(spec.id)!;
      ctx.log(
        `  /pls ${spec.text}: p50 ${auto(http.p50)} ms, p90 ${auto(http.p90)} ms (service alone p50 ${auto(service.p50)} ms)`,
      );
      figures.push({
        id: `command.${spec.id}`,
        what: `\`/pls ${spec.text}\` by ${spec.who}`,
        value: http.p90,
        unit: 'ms p90',
        detail: `p50 ${auto(http.p50)} · max ${auto(http.max)} ms; reply ${fmt(Buffer.byteLength(JSON.stringify(first.reply)) / 1024, 1)} KB`,
        baseline: { what: 'service + renderer alone, in-process', value: service.p90, unit: 'ms p90' },
        ratio: http.p90 / service.p90,
        target: { text: '< 100 ms (p90 of the runs)', met: http.p90 < 100 },
        data: { http, service, runs: http.count, seeded },
      });
    }
    connection.close();
    const stray = ctx.emulator.calls.length - callsBefore;
    if (stray > 5) ctx.log(`  note: pls made ${stray} Slack calls during the command runs (start-up work)`);
    return figures;
  } finally {
    await pls.stop();
  }
}

/** Runs `work` `runs` times, or for 4 s (at least 5 runs), whichever ends first. */
async function repeat(runs: number, work: () => Promise<void>): Promise<void> {
  const until = performance.now() + 4_000;
  for (let i = 0; i < runs && (i < 5 || performance.now() < until); i++) await work();
}

function readFile(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
