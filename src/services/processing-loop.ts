import type { Logger } from 'pino';
import type { EventProcessor, ProcessResult } from './process-events.js';

/**
 * Runs the event processor off the request path: ingest commits and answers, then kicks this;
 * it processes every pending event (in batches, yielding between them) and then wakes the
 * outbox sender. Pending events left by a crash are picked up by the first kick at start.
 */
export function createProcessingLoop(deps: {
  processor: EventProcessor;
  logger: Logger;
  onProcessed: (result: ProcessResult) => void;
}) {
  let scheduled = false;
  let stopped = false;

  function run(): void {
    scheduled = false;
    if (stopped) return;
    try {
      const result = deps.processor.processPending();
      if (result.processed > 0) {
        deps.onProcessed(result);
        kick(); // more may be waiting; yield to I/O first
      }
    } catch (error) {
      // The batch rolled back; its events stay pending and are retried on the next kick.
      deps.logger.error({ err: error }, 'event processing failed');
      setTimeout(kick, 1000).unref();
    }
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
    },
  };
}

export type ProcessingLoop = ReturnType<typeof createProcessingLoop>;
