import { join } from 'node:path';
import { type LoadResult, runClosedLoop, runOpenLoop, targetOf } from '../load/http-client.js';
import type { LatencySummary } from '../load/latency.js';
import { createWebhookPool } from '../load/webhook-requests.js';
import { type Child, startChild } from '../support/child.js';
import { type BenchContext, type CpuUse, cpuWindow } from '../support/context.js';
import { startPls } from '../support/pls.js';
import { auto, type Figure } from '../support/report.js';

/**
 * The servers single-event ingest is measured on, each a fresh process on a fresh database:
 * the bare baseline, pls, and (on Postgres) two pls instances on one database, the load split
 * between them.
 */
export type ServerKind = 'bare' | 'pls' | 'pls ×2';

async function startServersOf(ctx: BenchContext, kind: ServerKind, dir: string): Promise<Child[]> {
  const databaseUrl = ctx.postgres ? await ctx.postgres.database(kind) : `file:${join(dir, `${kind}.db`)}`;
  if (kind === 'bare') {
    const server = ctx.postgres
      ? await startChild({
          script: 'bench/baseline/bare-pg-server.ts',
          env: { BENCH_DATABASE_URL: databaseUrl, BENCH_WEBHOOK_SECRET: ctx.webhookSecret },
          cpu: ctx.serverCpu,
        })
      : await startChild({
          script: 'bench/baseline/bare-server.ts',
          env: { BENCH_DB: databaseUrl.slice('file:'.length), BENCH_WEBHOOK_SECRET: ctx.webhookSecret },
          cpu: ctx.serverCpu,
        });
    return [server];
  }
  const instances: Child[] = [];
  for (let i = 0; i < (kind === 'pls ×2' ? 2 : 1); i++)
    instances.push(
      await startPls({
        databaseUrl,
        slackApiUrl: ctx.emulator.url,
        webhookSecret: ctx.webhookSecret,
        cpu: ctx.serverCpu,
        nodeArgs: ctx.plsNodeArgs,
      }),
    );
  return instances;
}

async function startServerOf(ctx: BenchContext, kind: ServerKind, dir: string): Promise<Child> {
  return (await startServersOf(ctx, kind, dir))[0]!;
}

export interface ClosedRun {
  kind: ServerKind;
  result: LoadResult;
  latency: LatencySummary;
  cpu: CpuUse;
}

/**
 * 50 connections, each sending the next signed event as soon as the last was answered; with
 * two instances, half of them to each (the figure is the sum, the latency the first's).
 */
export async function closedLoop(ctx: BenchContext, kind: ServerKind): Promise<ClosedRun> {
  const { sizes } = ctx;
  const dir = ctx.dir(`ingest-${kind.replace(/\W/g, '')}`);
  const servers = await startServersOf(ctx, kind, dir);
  try {
    const expected = Math.ceil(((sizes.ingestWarmupMs + sizes.ingestMs) / 1000) * 6_000);
    const loads = servers.map((server, i) => {
      const target = targetOf(server.url);
      const pool = createWebhookPool(target, {
        secret: ctx.webhookSecret,
        initial: Math.ceil((ctx.quick ? 2_000 : expected) / servers.length),
        idPrefix: `evt_${kind.replace(/\W/g, '')}${i}_`,
      });
      return { target, pool, connections: Math.ceil(sizes.connections / servers.length) };
    });
    ctx.log(
      `single ingest → ${kind}: ${sizes.connections} connections, ${(sizes.ingestMs / 1000).toFixed(0)} s`,
    );
    let cpu: (() => CpuUse) | null = null;
    const warm = setTimeout(() => {
      cpu = cpuWindow(servers[0]!.pid);
    }, sizes.ingestWarmupMs);
    const results = await Promise.all(
      loads.map((load) =>
        runClosedLoop({
          target: load.target,
          connections: load.connections,
          warmupMs: sizes.ingestWarmupMs,
          durationMs: sizes.ingestMs,
          next: load.pool.next,
        }),
      ),
    );
    clearTimeout(warm);
    const result = results[0]!;
    const perSecond = results.reduce((sum, r) => sum + r.perSecond, 0);
    const used = (cpu as (() => CpuUse) | null)?.() ?? { server: 0, client: 0, other: 0, stolen: 0 };
    for (const r of results)
      if (r.errors > 0 || !onlyStatus(r, 202))
        ctx.log(`  ${kind}: statuses ${JSON.stringify(r.statuses)}, ${r.errors} errors (${r.firstError})`);
    ctx.log(
      `  ${kind}: ${auto(perSecond)} req/s, p50 ${auto(result.latency.percentile(50))} ms, p99 ${auto(result.latency.percentile(99))} ms; server core ${used.server}`,
    );
    return { kind, result: { ...result, perSecond }, latency: result.latency.summary(), cpu: used };
  } finally {
    for (const server of servers) await server.stop();
  }
}

export interface OpenRun {
  kind: ServerKind;
  latency: LatencySummary;
  perSecond: number;
  lateSends: number;
  cpu: CpuUse;
  statuses: Record<string, number>;
  errors: number;
}

/** A fixed rate on a clock, latency from each request's scheduled time. */
export async function openLoop(ctx: BenchContext, kind: ServerKind): Promise<OpenRun> {
  const { sizes } = ctx;
  const dir = ctx.dir(`open-${kind.replace(/\W/g, '')}`);
  const server = await startServerOf(ctx, kind, dir);
  try {
    const target = targetOf(server.url);
    const count = Math.ceil(((sizes.openLoopWarmupMs + sizes.openLoopMs) / 1000) * sizes.openLoopRate) + 10;
    const pool = createWebhookPool(target, {
      secret: ctx.webhookSecret,
      initial: count,
      idPrefix: `evt_open${kind.replace(/\W/g, '')}_`,
    });
    ctx.log(`open loop → ${kind}: ${sizes.openLoopRate}/s for ${(sizes.openLoopMs / 1000).toFixed(0)} s`);
    const window = cpuWindow(server.pid);
    const result = await runOpenLoop({
      target,
      rate: sizes.openLoopRate,
      warmupMs: sizes.openLoopWarmupMs,
      durationMs: sizes.openLoopMs,
      maxConnections: 256,
      next: pool.next,
    });
    const cpu = window();
    ctx.log(
      `  ${kind}: p50 ${auto(result.latency.percentile(50))} ms, p99 ${auto(result.latency.percentile(99))} ms, max ${auto(result.latency.max())} ms`,
    );
    return {
      kind,
      latency: result.latency.summary(),
      perSecond: result.perSecond,
      lateSends: result.lateSends,
      cpu,
      statuses: result.statuses,
      errors: result.errors,
    };
  } finally {
    await server.stop();
  }
}

function onlyStatus(result: LoadResult, status: number): boolean {
  return Object.keys(result.statuses).every((s) => Number(s) === status);
}

const ms = (value: number) => `${auto(value)} ms`;

export function singleIngestFigures(runs: ClosedRun[], connections: number): Figure[] {
  const bare = runs.find((r) => r.kind === 'bare')!;
  const one = runs.find((r) => r.kind === 'pls');
  const two = runs.find((r) => r.kind === 'pls ×2');
  const twoInstances: Figure[] =
    one && two
      ? [
          {
            id: 'ingest.two-instances',
            what: `single-event webhook ingest, two pls instances on one database, ${connections} connections split between them`,
            value: two.result.perSecond,
            unit: 'req/s',
            detail: `first instance's p50 ${ms(two.latency.p50)} · p99 ${ms(two.latency.p99)}`,
            baseline: {
              what: 'one pls instance',
              value: one.result.perSecond,
              unit: 'req/s',
              detail: `p50 ${ms(one.latency.p50)} · p99 ${ms(one.latency.p99)}`,
            },
            ratio: two.result.perSecond / one.result.perSecond,
            cpu: two.cpu,
            data: { latency: two.latency, statuses: two.result.statuses, errors: two.result.errors },
          },
        ]
      : [];
  return runs
    .filter((r) => r.kind === 'pls')
    .map((run): Figure => {
      const ratio = run.result.perSecond / bare.result.perSecond;
      return {
        id: 'ingest.single',
        what: `single-event webhook ingest, ${connections} connections`,
        value: run.result.perSecond,
        unit: 'req/s',
        detail: `p50 ${ms(run.latency.p50)} · p99 ${ms(run.latency.p99)}`,
        baseline: {
          what: 'bare node:http + HMAC + 1 insert',
          value: bare.result.perSecond,
          unit: 'req/s',
          detail: `p50 ${ms(bare.latency.p50)} · p99 ${ms(bare.latency.p99)}`,
        },
        ratio,
        target: { text: '≥ 50 % of bare', met: ratio >= 0.5 },
        cpu: run.cpu,
        data: {
          latency: run.latency,
          statuses: run.result.statuses,
          errors: run.result.errors,
          baselineLatency: bare.latency,
          baselineCpu: bare.cpu,
        },
      };
    })
    .concat(twoInstances);
}

export function openLoopFigures(runs: OpenRun[], rate: number): Figure[] {
  const bare = runs.find((r) => r.kind === 'bare')!;
  return runs
    .filter((r) => r.kind !== 'bare')
    .map((run) => ({
      id: 'ingest.open-loop',
      what: `latency at a fixed ${rate.toLocaleString('en-US')} req/s (open loop, from the scheduled time)`,
      value: run.latency.p99,
      unit: 'ms p99',
      detail: `p50 ${ms(run.latency.p50)} · max ${ms(run.latency.max)}`,
      baseline: {
        what: 'bare',
        value: bare.latency.p99,
        unit: 'ms p99',
        detail: `p50 ${ms(bare.latency.p50)} · max ${ms(bare.latency.max)}`,
      },
      ratio: run.latency.p99 / bare.latency.p99,
      target: { text: 'p99 < 20 ms', met: run.latency.p99 < 20 },
      cpu: run.cpu,
      data: { run, bare },
    }));
}
