import type { Logger } from 'pino';
import type { EventProcessor, ProcessResult } from './process-events.js';

/** A turn at least this long means a backlog (a turn stops at 5 ms): see `run`. */
const FULL_TURN_MS = 3;

/**
 * Runs the event processor off the request path: ingest commits and answers, then kicks this;
 * it processes every pending event (in turns, yielding between them) and then wakes the
 * outbox sender. Pending events left by a crash are picked up by the first kick at start.
 */
export function createProcessingLoop(deps: {
  processor: EventProcessor;
  logger: Logger;
  onProcessed: (result: ProcessResult) => void;
  /** Whether ingest requests are waiting on the event loop right now. */
  ingestBusy: () => boolean;
}) {
  let scheduled = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  /**
   * One turn, then the next: at once, or — when a backlog meets ingest requests waiting — after
   * twice the turn's length. Under a flood acks come first (scoring keeps a third of the loop and
   * catches up from the durable backlog when the flood ends); at ordinary rates turns are short
   * and follow each other at once.
   */
  function run(): void {
    scheduled = false;
    timer = null;
    if (stopped) return;
    const started = performance.now();
    try {
      const result = deps.processor.processPending();
      if (result.processed === 0) return;
      deps.onProcessed(result);
      const spent = performance.now() - started;
      if (spent >= FULL_TURN_MS && deps.ingestBusy()) later(2 * spent);
      else kick(); // more may be waiting; yield to I/O first
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

  function kick(): void {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(run);
  }

  return {
    kick,
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export type ProcessingLoop = ReturnType<typeof createProcessingLoop>;
