import { StorageError } from '../store.js';

/**
 * Takes turns at writing between the main thread (ingest commits, button clicks, the SLA sweep,
 * the outbox sender, retention, the WAL's finishing checkpoint) and the scoring thread
 * (src/db/sqlite/scoring-thread.ts), the main thread first. Both write the one SQLite file, which
 * lets one writer in at a time; left to SQLite, a write that finds the file locked sleeps 1, 2,
 * 5, 10 ms… on the event loop and retries, and a scoring thread that writes turn after turn
 * through a backlog left it no gap: clicks waited seconds and failed with "database is locked".
 * Here the two share a lock in shared memory instead: the scoring thread holds it for one turn
 * and ends its turn after the event it is on as soon as the main thread asks (`mainWaiting`);
 * the main thread waits for that and is woken the moment the turn commits. A scoring turn that
 * finds the main thread waiting lets it go first. Every multi-statement write transaction is
 * also IMMEDIATE, so none fails on a snapshot the other connection moved past.
 */
export function createWriteTurns(shared = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT)) {
  const cells = new Int32Array(shared);

  /** Takes the lock for `who` (then FREE), else returns its holder to wait for; throws past `deadline`. */
  function take(who: number, deadline: number, limitMs: number): number {
    const holder = Atomics.compareExchange(cells, HOLDER, FREE, who);
    if (holder !== FREE && performance.now() >= deadline)
      throw new StorageError(`the database writer stayed busy for ${limitMs} ms`);
    return holder;
  }

  function acquire(who: number, limitMs: number): void {
    const deadline = performance.now() + limitMs;
    for (let holder = take(who, deadline, limitMs); holder !== FREE; holder = take(who, deadline, limitMs))
      Atomics.wait(cells, HOLDER, holder, deadline - performance.now());
  }

  function release(): void {
    Atomics.store(cells, HOLDER, FREE);
    Atomics.notify(cells, HOLDER);
  }

  function doneWaiting(): void {
    Atomics.sub(cells, MAIN_WAITING, 1);
    Atomics.notify(cells, MAIN_WAITING);
  }

  return {
    /** The memory to pass to the other thread, which builds its side with `createWriteTurns(shared)`. */
    shared,

    /**
     * Main thread: takes the lock once the scoring turn under way, if any, has ended, and
     * resolves with the function that lets go of it. The event loop keeps serving while it waits,
     * and a thread that died holding the lock is seen (its exit releases it) instead of waited
     * out. Rejects with `StorageError` if the turn does not end within 5 s. The holder may await
     * between its statements, but only the store's own work: the scoring thread waits meanwhile.
     */
    async holdMain(): Promise<() => void> {
      Atomics.add(cells, MAIN_WAITING, 1);
      try {
        const deadline = performance.now() + MAIN_LIMIT_MS;
        for (
          let holder = take(MAIN, deadline, MAIN_LIMIT_MS);
          holder !== FREE;
          holder = take(MAIN, deadline, MAIN_LIMIT_MS)
        ) {
          const wait = waitAsync(cells, HOLDER, holder, deadline - performance.now());
          if (wait.async) await wait.value;
        }
      } finally {
        doneWaiting();
      }
      return release;
    },

    /** Main thread: takes the lock if it is free, else returns null at once. */
    tryHoldMain(): (() => void) | null {
      return Atomics.compareExchange(cells, HOLDER, FREE, MAIN) === FREE ? release : null;
    },

    /**
     * Scoring thread: takes the lock for one turn, after any main-thread write that is waiting
     * (blocking this thread, which has nothing else to serve), and returns the function that
     * lets go of it.
     */
    holdScoring(): () => void {
      for (;;) {
        const waiting = Atomics.load(cells, MAIN_WAITING);
        if (waiting === 0) break;
        Atomics.wait(cells, MAIN_WAITING, waiting, SCORING_YIELD_MS);
      }
      acquire(SCORING, SCORING_LIMIT_MS);
      return release;
    },

    /**
     * Main thread, once the scoring thread has exited: frees the lock if it died holding it (a
     * terminated thread runs no `finally`; SQLite rolled its transaction back as it closed).
     */
    releaseAbandoned(): void {
      if (Atomics.compareExchange(cells, HOLDER, SCORING, FREE) === SCORING) Atomics.notify(cells, HOLDER);
    },

    /** Whether a main-thread write waits for the scoring turn under way: it should end after the current event. */
    mainWaiting(): boolean {
      return Atomics.load(cells, MAIN_WAITING) > 0;
    },
  };
}

export type WriteTurns = ReturnType<typeof createWriteTurns>;

/** `Atomics.waitAsync` (Node 16+; not in TypeScript's ES2023 library). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      cells: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ):
      | { async: false; value: 'not-equal' | 'timed-out' }
      | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

const HOLDER = 0;
const MAIN_WAITING = 1;
const CELLS = 2;
const FREE = 0;
const MAIN = 1;
const SCORING = 2;
/**
 * How long a main-thread write waits for a scoring turn before it gives up (ingest answers 503,
 * "send them again"): a turn ends after the event it is on once the main thread waits, so this
 * is reached only if the scoring thread hangs in the middle of one, or died holding the lock
 * before its exit was seen (`releaseAbandoned`).
 */
const MAIN_LIMIT_MS = 5_000;
/** The scoring thread's wait for the main thread: 60 s, then the turn fails (logged) and is retried. */
const SCORING_LIMIT_MS = 60_000;
/** How often a scoring turn that waits for the main thread looks again. */
const SCORING_YIELD_MS = 50;
