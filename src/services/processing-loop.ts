import type { Logger } from 'pino';
import type { EventProcessor, ProcessResult } from './process-events.js';

/** A turn at least this long means a backlog (a turn stops at 5 ms): see `run`. */
const FULL_TURN_MS = 3;

/** Under a flood, the pause after a full turn, in turns: scoring keeps 1 / (1 + this) of the loop. */
const FLOOD_PAUSE = 3;

/**
 * How long new events wait for company before a turn scores them. A turn's commit costs about
 * as much as scoring several events (it writes every page the turn touched), so at a thousand
 * single-event requests a second one event per turn spent most of the time committing.
 */
const GATHER_MS = 4;

/**
 * Runs the event processor off the request path: ingest commits and answers, then kicks this;
 * it processes every pending event (in turns, yielding between them) and then wakes the
 * outbox sender. Pending events left by a crash are picked up by the first kick at start.
 */
export function createProcessingLoop(deps: {
  processor: EventProcessor;
  logger: Logger;
  onProcessed: (result: ProcessResult) => void;
  /** Whether ingest requests are arriving right now. */
  ingestBusy: () => boolean;
  /** A monotonic clock in ms (tests inject one). */
  clock?: () => number;
}) {
  const clock = deps.clock ?? (() => performance.now());
  let scheduled = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  /**
   * One turn, then — while events are waiting behind it — the next: at once, or, when requests
   * keep arriving too, after three times the turn's length. A backlog that builds while
   * requests pour in is a flood — typically a backfill of historical batches — and acks come
   * first: scoring keeps a quarter of the loop and catches up from the durable backlog when the
   * flood ends. At ordinary rates turns are short and score what arrived in the last few ms.
   */
  function run(): void {
    scheduled = false;
    timer = null;
    if (stopped) return;
    const started = clock();
    try {
      const result = deps.processor.processPending();
      if (result.processed > 0) deps.onProcessed(result);
      if (!result.more) return; // the next event to arrive kicks the next turn
      const spent = clock() - started;
      if (spent >= FULL_TURN_MS && deps.ingestBusy()) later(FLOOD_PAUSE * spent);
      else {
        scheduled = true;
        setImmediate(run); // yield to I/O first
      }
    } catch (error) {
      // The batch rolled back; its events stay pending and are retried on the next kick.
      deps.logger.error({ err: error }, 'event processing failed');
      later(1000);
    }
  }

  function later(ms: number): void {
    scheduled = true;
    timer = setTimeout(run, ms);
  }

  return {
    /** New events are stored: score them within a few milliseconds, with whatever else arrives. */
    kick(): void {
      if (scheduled || stopped) return;
      later(GATHER_MS);
    },
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
