import type { Logger } from 'pino';
import type { Store } from '../db/store.js';

/** Rows deleted past retention per transaction. */
const RETENTION_BATCH = 5000;

/** A table whose rows expire: deletes up to `limit` older than `cutoff`, says how many. */
interface Expiring {
  deleteExpired(cutoff: number, limit: number): Promise<number>;
}

/**
 * Retention (the manifest's `retention`): events, and the webhook deliveries on the same clock
 * as the events they tell of, deleted one bounded batch a unit (on SQLite a unit holds the event
 * loop: a long delete would hold every request), and while batches come back full, the next one
 * on the next turn: one batch a sweep could not keep up with sustained ingest. One chain at a
 * time: a sweep that finds one still under way (a backlog that outlasts `sweep_every`) leaves it
 * to finish.
 */
export function createRetention(deps: {
  store: Store;
  events: Expiring;
  deliveries: Expiring;
  retention: number;
  logger: Logger;
  now: () => number;
}) {
  const { store, events, deliveries, logger } = deps;
  let pruning = false;
  let stopped = false;

  const prune = async (): Promise<void> => {
    pruning = true;
    try {
      for (let full = true; full && !stopped; ) {
        const cutoff = deps.now() - deps.retention;
        const expired = await store.unit(() => events.deleteExpired(cutoff, RETENTION_BATCH), {
          durable: false,
        });
        if (expired > 0) logger.info({ expired }, 'deleted events past retention');
        const deliveriesGone = await store.unit(() => deliveries.deleteExpired(cutoff, RETENTION_BATCH), {
          durable: false,
        });
        if (deliveriesGone > 0)
          logger.info({ deliveries: deliveriesGone }, 'deleted webhook deliveries past retention');
        full = expired === RETENTION_BATCH || deliveriesGone === RETENTION_BATCH;
        // The next batch on the next turn of the event loop: requests get in between.
        if (full) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      pruning = false;
    }
  };

  return {
    /** Starts a pass unless one is under way; its failure is logged. */
    kick(): void {
      if (pruning || stopped) return;
      void prune().catch((error: unknown) => logger.error({ err: error }, 'retention failed'));
    },
    /** Ends the pass under way after its batch. */
    stop(): void {
      stopped = true;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
