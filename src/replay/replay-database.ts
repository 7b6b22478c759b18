import { availableParallelism } from 'node:os';
import type { Database } from '../config/env.js';
import type { LiveAlert, ShardPlan } from '../db/history.js';
import { openHistorySource } from '../db/open-history.js';
import type { Manifest } from '../domain/definition.js';
import { compareText } from '../domain/order.js';
import { type ReplayProgress, SILENT_PROGRESS } from '../report/progress.js';
import { runInChild } from '../runtime/child-task.js';
import { moduleBeside } from '../runtime/module-path.js';
import {
  type ReplayLaneResult,
  type ReplayResult,
  replayPages,
  type SnapshotRequest,
} from './replay-engine.js';
import type { ShardAnswer, ShardRequest } from './replay-shard.js';

/**
 * Replays a pls database (SQLite or Postgres, read-only: src/db/history.ts), on `jobs` cores.
 * The replay is per account (an account's alerts, cooldowns and outcomes never depend on another
 * account), so accounts are split into ranges of about as many events each and every range
 * replays in its own process; the results are merged.
 * `jobs: 1` replays in this process. Either way the result is the same, in a canonical order:
 * alerts by opening time then account, numbered in that order.
 */
export interface DatabaseReplayOptions {
  database: Database;
  manifests: readonly Manifest[];
  liveAlerts: readonly LiveAlert[];
  matchWindow: number;
  purchaseLookback: number;
  until: number;
  snapshots?: SnapshotRequest;
  /** Processes to use; default: the cores available, at most 8. */
  jobs?: number;
  /** Histories smaller than this replay in this process whatever `jobs` says. Default 50,000 events. */
  parallelFrom?: number;
  /** Told the events replayed so far, summed over the shards (the terminal's progress line). */
  progress?: ReplayProgress;
}

/** Below this many events a second process costs more than it saves. */
const PARALLEL_FROM = 50_000;

export function defaultJobs(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export async function replayDatabase(options: DatabaseReplayOptions): Promise<ReplayResult> {
  const jobs = Math.max(1, Math.floor(options.jobs ?? defaultJobs()));
  const progress = options.progress ?? SILENT_PROGRESS;
  const history = await openHistorySource(options.database);
  let plan: ShardPlan;
  let total: number;
  try {
    total = await history.countEvents();
    if (jobs === 1 || total < (options.parallelFrom ?? PARALLEL_FROM)) {
      progress.start('replaying', total);
      return canonical(
        await replayPages(
          {
            manifests: options.manifests,
            liveAlerts: options.liveAlerts,
            matchWindow: options.matchWindow,
            purchaseLookback: options.purchaseLookback,
            until: options.until,
            snapshots: options.snapshots,
            onProgress: (done) => progress.update(done),
          },
          history.events(),
        ),
      );
    }
    plan = await history.planShards(jobs);
  } finally {
    await history.close();
  }

  // Each shard counts its own events; the line shows their sum.
  progress.start(`replaying in ${plan.ranges.length} processes`, total);
  const done = plan.ranges.map(() => 0);
  const answers = await Promise.all(
    plan.ranges.map((accounts, shard) =>
      runInChild<ShardRequest, ShardAnswer>(
        moduleBeside(import.meta.url, 'replay-shard'),
        {
          database: options.database,
          manifests: [...options.manifests],
          accounts,
          // All of them: the shard's replay only looks up its own accounts' (and the database's
          // text order, which drew the ranges, is not JavaScript's for every character).
          liveAlerts: [...options.liveAlerts],
          matchWindow: options.matchWindow,
          purchaseLookback: options.purchaseLookback,
          until: options.until,
          snapshots: options.snapshots
            ? { play: options.snapshots.play, keys: new Set(options.snapshots.keys) }
            : null,
        },
        {
          execArgv: ['--max-semi-space-size=64'],
          onProgress: (events) => {
            done[shard] = events;
            progress.update(done.reduce((sum, n) => sum + n, plan.withoutAccount));
          },
        },
      ),
    ),
  );
  const clocks = answers.flatMap((a) => [a.firstClock, a.lastClock]).filter((c): c is number => c !== null);
  return canonical({
    lanes: options.manifests.map((manifest, i) => ({
      manifest,
      alerts: answers.flatMap((a) => a.lanes[i]!.alerts),
      purchases: answers.flatMap((a) => a.lanes[i]!.purchases),
      snapshots: new Map(answers.flatMap((a) => [...a.lanes[i]!.snapshots])),
    })),
    events: answers.reduce((sum, a) => sum + a.events, plan.withoutAccount),
    scored: answers.reduce((sum, a) => sum + a.scored, 0),
    accounts: answers.reduce((sum, a) => sum + a.accounts, 0),
    firstClock: clocks.length > 0 ? Math.min(...clocks) : null,
    lastClock: clocks.length > 0 ? Math.max(...clocks) : null,
  });
}

/** Alerts by opening time then account, renumbered; purchases by time then account. */
function canonical(result: ReplayResult): ReplayResult {
  return {
    ...result,
    lanes: result.lanes.map((lane, index): ReplayLaneResult => {
      const alerts = [...lane.alerts]
        .sort((a, b) => a.openedAt - b.openedAt || compareText(a.accountId, b.accountId))
        .map((alert, i) => ({ ...alert, id: `r${index}_${i + 1}` }));
      const purchases = [...lane.purchases].sort(
        (a, b) => a.at - b.at || compareText(a.accountId, b.accountId),
      );
      return { ...lane, alerts, purchases };
    }),
  };
}
