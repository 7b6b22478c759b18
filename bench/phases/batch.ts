import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type FeedOptions, segmentFeed } from '../load/feed.js';
import { encodeRequest, runFeed, targetOf } from '../load/http-client.js';
import type { LatencySummary } from '../load/latency.js';
import { basicAuth, type SegmentMessage, segmentBatchBody } from '../load/segment.js';
import { runScript } from '../support/child.js';
import { type BenchContext, type CpuUse, cpuWindow } from '../support/context.js';
import { BENCH_WRITE_KEY, startPls } from '../support/pls.js';
import { auto, type Figure, fmt } from '../support/report.js';

interface BaselineResult {
  rows: number;
  insertSeconds: number;
  wallSeconds: number;
  rowsPerSecond: number;
}

interface Progress {
  at: number;
  stored: number;
  pending: number;
  rssMiB: number;
  peakMiB: number;
}

/**
 * `/v1/batch` with 500 Segment messages a request, as the SDK sends them, over a few
 * connections, until `feedTotal` events are stored (or the time limit): events/s against the
 * bare better-sqlite3 insert of the same rows, and pls's peak RSS once they are stored.
 */
export async function batchIngest(ctx: BenchContext): Promise<Figure[]> {
  const { sizes } = ctx;
  const dir = ctx.dir('batch');
  const feed: FeedOptions = {
    accounts: sizes.feedAccounts,
    days: sizes.feedDays,
    endAt: Date.now(),
    total: sizes.feedTotal,
    batchSize: 500,
    skip: sizes.feedPreload,
    seed: 'pls-bench-feed',
  };
  const fed = feed.total - sizes.feedPreload;

  // The history a pls that has run for a while holds, so the table (and its indexes) are at
  // full size when the measured part of the feed arrives: the same first messages, stored as
  // pls stores them and marked processed, copied into both databases.
  const template = join(dir, 'template.db');
  if (sizes.feedPreload > 0) {
    ctx.log(`batch: pre-loading ${fmt(sizes.feedPreload)} processed events (the first of the same feed)`);
    await runScript({
      script: 'bench/baseline/bare-batch-insert.ts',
      env: {
        BENCH_DB: template,
        BENCH_FEED: JSON.stringify({ ...feed, total: sizes.feedPreload, skip: 0 }),
        BENCH_PRELOAD: '1',
      },
      cpu: ctx.serverCpu,
      timeoutMs: 300_000,
    });
  }
  const dbPath = join(dir, 'pls.db');
  const barePath = join(dir, 'bare.db');
  if (sizes.feedPreload > 0) {
    copyFileSync(template, dbPath);
    copyFileSync(template, barePath);
  }

  ctx.log(`batch baseline: better-sqlite3 inserting the same ${fmt(fed)} rows, 500 a transaction`);
  const baseline = await runScript<BaselineResult>({
    script: 'bench/baseline/bare-batch-insert.ts',
    env: { BENCH_DB: barePath, BENCH_FEED: JSON.stringify(feed) },
    cpu: ctx.serverCpu,
    timeoutMs: 300_000,
  });
  ctx.log(
    `  baseline: ${auto(baseline.rowsPerSecond)} rows/s (${auto(baseline.insertSeconds)} s in transactions)`,
  );

  const run = await feedPls(ctx, { dbPath, feed, limitMs: sizes.feedLimitMs });
  const ratio = run.perSecond / baseline.rowsPerSecond;
  const reached = run.end.stored >= feed.total;
  const figures: Figure[] = [
    {
      id: 'ingest.batch',
      what: 'batch ingest, /v1/batch with 500 Segment messages a request',
      value: run.perSecond,
      unit: 'events/s',
      detail: `scoring ${auto(run.scoredPerSecond)} events/s alongside; p50 ${auto(run.latency.p50)} ms a request`,
      baseline: {
        what: 'better-sqlite3, same rows, 500 a transaction',
        value: baseline.rowsPerSecond,
        unit: 'rows/s',
      },
      ratio,
      target: { text: '≥ 50 % of bare batch insert', met: ratio >= 0.5 },
      cpu: run.cpu,
      data: { feed, baseline, ...run },
    },
    {
      id: 'memory.peak-rss',
      what: reached
        ? `peak RSS with ${fmt(run.end.stored)} stored events (${fmt(sizes.feedPreload)} pre-loaded, ${fmt(run.accepted)} through /v1/batch)`
        : `peak RSS with ${fmt(run.end.stored)} stored events (${fmt(sizes.feedPreload)} pre-loaded; feed cut at ${fmt(sizes.feedLimitMs / 1000)} s, short of ${fmt(feed.total)})`,
      value: run.end.peakMiB,
      unit: 'MiB',
      detail: `VmHWM; RSS at the end ${auto(run.end.rssMiB)} MiB; ${fmt(run.end.pending)} events still to score`,
      target: { text: '< 250 MB', met: run.end.peakMiB * 1.048576 < 250 },
      data: { progress: run.progress, reached },
    },
  ];

  return figures;
}

interface FeedRun {
  perSecond: number;
  scoredPerSecond: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  statuses: Record<string, number>;
  errors: number;
  cut: boolean;
  seconds: number;
  latency: LatencySummary;
  cpu: CpuUse;
  end: Progress;
  progress: Progress[];
}

/** Starts a pls on `dbPath` and sends it the feed, bounded by `limitMs`. */
async function feedPls(
  ctx: BenchContext,
  options: {
    dbPath: string;
    feed: FeedOptions;
    limitMs: number;
  },
): Promise<FeedRun> {
  const { sizes } = ctx;
  const { dbPath, feed } = options;
  const pls = await startPls({
    databaseUrl: `file:${dbPath}`,
    slackApiUrl: ctx.emulator.url,
    webhookSecret: ctx.webhookSecret,
    cpu: ctx.serverCpu,
    nodeArgs: ctx.plsNodeArgs,
  });
  const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  const storedStmt = reader.prepare<[], { n: number | null }>('select max(seq) as n from events');
  const pendingStmt = reader.prepare<[], { n: number }>(
    'select count(*) as n from events where processed_at is null',
  );
  const progress: Progress[] = [];
  const started = performance.now();
  const sample = () => {
    const memory = pls.memory();
    const point = {
      at: (performance.now() - started) / 1000,
      stored: storedStmt.get()?.n ?? 0,
      pending: pendingStmt.get()?.n ?? 0,
      rssMiB: memory.rssMiB,
      peakMiB: memory.peakMiB,
    };
    progress.push(point);
    return point;
  };
  const sampler = setInterval(sample, 2_000);
  try {
    const target = targetOf(pls.url);
    const headers = { 'content-type': 'application/json', authorization: basicAuth(BENCH_WRITE_KEY) };
    const batches = segmentFeed(feed);
    // The first batch is drawn before the clock starts: drawing it generates the skipped part.
    let first: IteratorResult<SegmentMessage[], void> | null = batches.next();
    const requests: Iterator<Buffer> = {
      next() {
        const batch = first ?? batches.next();
        first = null;
        if (batch.done) return { done: true, value: undefined };
        return {
          done: false,
          value: encodeRequest(
            target,
            'POST',
            '/v1/batch',
            headers,
            segmentBatchBody(batch.value, BENCH_WRITE_KEY),
          ),
        };
      },
    };
    let accepted = 0;
    let rejected = 0;
    let duplicates = 0;
    const statuses: Record<string, number> = {};
    ctx.log(
      `batch → pls: up to ${fmt(feed.total - (feed.skip ?? 0))} events in /v1/batch requests of 500, ${sizes.feedConnections} connections, at most ${fmt(options.limitMs / 1000)} s`,
    );
    const window = cpuWindow(pls.pid);
    const result = await runFeed({
      target,
      connections: sizes.feedConnections,
      requests,
      limitMs: options.limitMs,
      onResponse(response) {
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status !== 200) return;
        const body = JSON.parse(response.body.toString()) as {
          accepted: number;
          duplicates: number;
          rejected: unknown[];
        };
        accepted += body.accepted;
        duplicates += body.duplicates;
        rejected += body.rejected.length;
      },
    });
    const cpu = window();
    const end = sample();
    const perSecond = accepted / result.seconds;
    const scoredPerSecond = (end.stored - (feed.skip ?? 0) - end.pending) / result.seconds;
    ctx.log(
      `  pls: ${auto(perSecond)} events/s acked, ${auto(scoredPerSecond)} events/s scored, ${fmt(end.pending)} waiting; peak RSS ${auto(end.peakMiB)} MiB${result.cut ? ' (cut at the time limit)' : ''}`,
    );
    if (result.errors > 0 || rejected > 0 || duplicates > 0)
      ctx.log(
        `  statuses ${JSON.stringify(statuses)}, ${result.errors} errors (${result.firstError}), ${rejected} rejected, ${duplicates} duplicates`,
      );
    return {
      perSecond,
      scoredPerSecond,
      accepted,
      duplicates,
      rejected,
      statuses,
      errors: result.errors,
      cut: result.cut,
      seconds: result.seconds,
      latency: result.latency.summary(),
      cpu,
      end,
      progress,
    };
  } finally {
    clearInterval(sampler);
    reader.close();
    await pls.stop();
  }
}
