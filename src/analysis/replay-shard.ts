import type { Manifest } from '../config/manifest.js';
import { type AccountRange, type LiveAlert, openHistory, readEvents } from '../db/sqlite/history-source.js';
import { answerOnce } from './child-task.js';
import { type ReplayLaneResult, type ReplayResult, replayHistory } from './replay-engine.js';

/**
 * One shard of a parallel replay (src/analysis/replay-database.ts), in its own process: the
 * accounts of one range, on its own read-only connection. Accounts are independent — an alert,
 * its cooldown and its outcome belong to one account — so shards never need each other.
 */
export interface ShardRequest {
  databasePath: string;
  manifests: Manifest[];
  accounts: AccountRange;
  liveAlerts: LiveAlert[];
  matchWindow: number;
  purchaseLookback: number;
  until: number;
  snapshotEventIds: Set<string> | null;
}

export type ShardAnswer = Omit<ReplayResult, 'lanes'> & { lanes: Omit<ReplayLaneResult, 'manifest'>[] };

answerOnce((request: ShardRequest, report): ShardAnswer => {
  const db = openHistory(request.databasePath);
  try {
    const result = replayHistory({
      manifests: request.manifests,
      events: readEvents(db, request.accounts),
      liveAlerts: request.liveAlerts,
      matchWindow: request.matchWindow,
      purchaseLookback: request.purchaseLookback,
      until: request.until,
      snapshotEventIds: request.snapshotEventIds ?? undefined,
      // The parent sums the shards' counts into one progress line.
      onProgress: report,
    });
    return { ...result, lanes: result.lanes.map(({ manifest: _, ...lane }) => lane) };
  } finally {
    db.close();
  }
});
