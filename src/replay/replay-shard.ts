import type { Database } from '../config/env.js';
import type { AccountRange, LiveAlert } from '../db/history.js';
import { openHistorySource } from '../db/open-history.js';
import type { Manifest } from '../domain/definition.js';
import { answerOnce } from '../runtime/child-task.js';
import { type ReplayLaneResult, type ReplayResult, replayPages } from './replay-engine.js';

/**
 * One shard of a parallel replay (src/replay/replay-database.ts), in its own process: the
 * accounts of one range, on its own read-only connection. Accounts are independent — an alert,
 * its cooldown and its outcome belong to one account — so shards never need each other.
 */
export interface ShardRequest {
  database: Database;
  manifests: Manifest[];
  accounts: AccountRange;
  liveAlerts: LiveAlert[];
  matchWindow: number;
  purchaseLookback: number;
  until: number;
  snapshots: { play: string; keys: Set<string> } | null;
}

export type ShardAnswer = Omit<ReplayResult, 'lanes'> & { lanes: Omit<ReplayLaneResult, 'manifest'>[] };

answerOnce(async (request: ShardRequest, report): Promise<ShardAnswer> => {
  const history = await openHistorySource(request.database);
  try {
    const result = await replayPages(
      {
        manifests: request.manifests,
        liveAlerts: request.liveAlerts,
        matchWindow: request.matchWindow,
        purchaseLookback: request.purchaseLookback,
        until: request.until,
        snapshots: request.snapshots ?? undefined,
        // The parent sums the shards' counts into one progress line.
        onProgress: report,
      },
      history.events(request.accounts),
    );
    return { ...result, lanes: result.lanes.map(({ manifest: _, ...lane }) => lane) };
  } finally {
    await history.close();
  }
});
