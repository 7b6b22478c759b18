/**
 * Takes turns at writing between the main thread's ingest commits and the scoring thread
 * (src/services/scoring-thread.ts), ingest first. Both write the one SQLite file, which lets one
 * writer in at a time; left to SQLite, a commit that finds the file locked sleeps 1, 2, 5, 10 ms…
 * on the event loop and retries, and a scoring thread that keeps writing through a backlog could
 * keep ingest out for seconds. Here the two share a lock in shared memory instead: the scoring
 * thread holds it for one turn and ends its turn after the event it is on as soon as ingest asks
 * (`ingestWaiting`); ingest waits for that (a fraction of a millisecond) and is woken the moment
 * the turn commits. A scoring turn that finds ingest waiting lets it go first.
 *
 * The other main-thread writers (button clicks, the SLA sweep, the outbox sender) are rare and
 * short: they rely on SQLite's busy wait, and every multi-statement write transaction is
 * IMMEDIATE, so none fails on a snapshot another connection moved past.
 */
export function createWriteTurns(shared = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT)) {
  const cells = new Int32Array(shared);

  function acquire(who: number, limitMs: number): void {
    const deadline = performance.now() + limitMs;
    for (;;) {
      const holder = Atomics.compareExchange(cells, HOLDER, FREE, who);
      if (holder === FREE) return;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`the database writer stayed busy for ${limitMs} ms`);
      Atomics.wait(cells, HOLDER, holder, left);
    }
  }

  function release(): void {
    Atomics.store(cells, HOLDER, FREE);
    Atomics.notify(cells, HOLDER);
  }

  return {
    /** The memory to pass to the other thread, which builds its side with `createWriteTurns(shared)`. */
    shared,

    /** Main thread: runs `write` (synchronous, it commits) once the scoring turn under way, if any, has ended. */
    asIngest<T>(write: () => T): T {
      Atomics.add(cells, INGEST_WAITING, 1);
      try {
        acquire(INGEST, INGEST_LIMIT_MS);
      } finally {
        Atomics.sub(cells, INGEST_WAITING, 1);
        Atomics.notify(cells, INGEST_WAITING);
      }
      try {
        return write();
      } finally {
        release();
      }
    },

    /** Scoring thread: runs one turn, after any ingest commit that is waiting. */
    asScoring<T>(turn: () => T): T {
      for (;;) {
        const waiting = Atomics.load(cells, INGEST_WAITING);
        if (waiting === 0) break;
        Atomics.wait(cells, INGEST_WAITING, waiting, SCORING_YIELD_MS);
      }
      acquire(SCORING, SCORING_LIMIT_MS);
      try {
        return turn();
      } finally {
        release();
      }
    },

    /**
     * Main thread, once the scoring thread has exited: frees the lock if it died holding it (a
     * terminated thread runs no `finally`; SQLite rolled its transaction back as it closed).
     */
    releaseAbandoned(): void {
      if (Atomics.compareExchange(cells, HOLDER, SCORING, FREE) === SCORING) Atomics.notify(cells, HOLDER);
    },

    /** Whether an ingest commit waits for the scoring turn under way: it should end after the current event. */
    ingestWaiting(): boolean {
      return Atomics.load(cells, INGEST_WAITING) > 0;
    },
  };
}

export type WriteTurns = ReturnType<typeof createWriteTurns>;

const HOLDER = 0;
const INGEST_WAITING = 1;
const CELLS = 2;
const FREE = 0;
const INGEST = 1;
const SCORING = 2;
/**
 * How long ingest waits for a scoring turn before it gives up (the requests get a 503 and are
 * sent again): a turn ends after the event it is on once ingest waits, so this is never reached
 * unless the scoring thread hangs in the middle of one.
 */
const INGEST_LIMIT_MS = 5_000;
/** The scoring thread waits for ingest without a limit (a long /v1/batch commit is fine), looking again this often. */
const SCORING_LIMIT_MS = 60_000;
const SCORING_YIELD_MS = 50;
