import type { Logger } from 'pino';
import type { EventProcessor, ProcessResult } from './process-events.js';

/**
 * How long new events wait for company before a turn scores them. A turn's commit costs about
 * as much as scoring several events (it writes every page the turn touched), so at a thousand
 * single-event requests a second one event per turn spent most of the time committing.
 */
const GATHER_MS = 4;

/**
 * Runs the event processor where the engine runs it — SQLite's scoring thread
 * (src/db/sqlite/scoring-worker.ts), Postgres's main event loop (src/db/postgres/pg-storage.ts):
 * ingest commits and answers, then kicks this; it processes every pending event, in turns, and then
 * reports. Pending events left by a crash are picked up by the first kick at start.
 */
export function createProcessingLoop(deps: {
  processor: EventProcessor;
  logger: Logger;
  onProcessed: (result: ProcessResult) => void;
}) {
  let scheduled = false;
  let running = false;
  /** The turn under way (or the last one): `stop` waits for it before the connection closes. */
  let current: Promise<void> = Promise.resolve();
  let kickedDuringTurn = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  /**
   * One turn, then — while events are waiting behind it — the next, after the thread's messages
   * (a stop). Acks come first without pauses here: ingest takes the write lock ahead of the next
   * turn (src/db/sqlite/write-turns.ts) and the kernel runs this thread at a lower priority. At ordinary
   * rates turns are short and score what arrived in the last few ms.
   */
  function run(): Promise<void> {
    current = turn();
    return current;
  }

  async function turn(): Promise<void> {
    scheduled = false;
    timer = null;
    if (stopped) return;
    running = true;
    try {
      const result = await deps.processor.processPending();
      running = false;
      // A daily re-score processes no event and may still open alerts.
      if (result.processed > 0 || result.decisions.length > 0) deps.onProcessed(result);
      // Events that arrived during the turn kicked it while it ran: one more turn for them.
      const next = result.more || kickedDuringTurn;
      kickedDuringTurn = false;
      if (!next || stopped) return; // the next event to arrive kicks the next turn
      scheduled = true;
      setImmediate(() => void run());
    } catch (error) {
      running = false;
      kickedDuringTurn = false;
      // The batch rolled back; its events stay pending and are retried on the next kick.
      deps.logger.error({ err: error }, 'event processing failed');
      later(1000);
    }
  }

  function later(ms: number): void {
    scheduled = true;
    timer = setTimeout(() => void run(), ms);
  }

  return {
    /** New events are stored: score them within a few milliseconds, with whatever else arrives. */
    kick(): void {
      if (running) kickedDuringTurn = true;
      if (scheduled || running || stopped) return;
      later(GATHER_MS);
    },
    /** No turn starts after this; resolves once the turn under way, if any, has ended. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
