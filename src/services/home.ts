import type { AlertsRepo } from '../db/alerts-repo.js';
import type { Store } from '../db/store.js';
import { actorOf } from '../domain/alert-lifecycle.js';
import type { Manifest } from '../domain/definition.js';
import type { createQueueService, QueueRow } from './queue.js';

export interface HomeView {
  userId: string;
  role: 'rep' | 'manager' | 'none';
  ooo: boolean;
  /** Claimed alerts awaiting first touch, most urgent first. */
  mine: QueueRow[];
  /** Contacted alerts awaiting an outcome: without them here, a rep had nowhere to log one. */
  contacted: QueueRow[];
  /** The caller's teams' unclaimed queue. */
  unclaimed: QueueRow[];
  unclaimedTotal: number;
}

/** A rep's App Home: own claimed alerts with their clocks, then the team's queue. */
export function createHomeViews(deps: {
  alerts: AlertsRepo;
  queue: ReturnType<typeof createQueueService>;
  manifest: Manifest;
  store: Store;
}) {
  const { alerts, queue, manifest, store } = deps;
  return {
    /** One read of committed state. */
    home(userId: string, now: number): Promise<HomeView> {
      return store.read(async () => {
        const { isRep, isManager } = actorOf(manifest.routing, userId);
        const mine = isRep || isManager ? await queue.awaitingFirstTouch(userId, now) : [];
        const contacted = isRep || isManager ? await queue.awaitingOutcome(userId, now) : [];
        const open =
          isRep || isManager
            ? await queue.queueView(
                userId,
                { view: 'unclaimed', tier: null, team: null, play: null, page: 1 },
                now,
              )
            : { rows: [], total: 0 };
        return {
          userId,
          role: isRep ? 'rep' : isManager ? 'manager' : 'none',
          ooo: await alerts.isOoo(userId),
          mine,
          contacted,
          unclaimed: open.rows,
          unclaimedTotal: open.total,
        } satisfies HomeView;
      });
    },
  };
}

export type HomeViews = ReturnType<typeof createHomeViews>;
