/**
 * pls's clock: the wall clock plus an offset that only tests move. The offset lives in shared
 * memory, so the scoring thread (src/db/sqlite/scoring-thread.ts) reads the same time as the
 * main thread: `clockOn(clock.shared)` there is the same clock.
 */
export interface Clock {
  now(): number;
  /** The offset's memory: pass it to another thread and build the clock there with `clockOn`. */
  readonly shared: SharedArrayBuffer;
}

/** A clock at wall time; `advance` moves it (and every thread's copy) forward. */
export function createClock(): Clock & { advance(ms: number): void } {
  const clock = clockOn(new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT));
  const offset = new BigInt64Array(clock.shared);
  return {
    ...clock,
    advance(ms: number) {
      Atomics.add(offset, 0, BigInt(Math.round(ms)));
    },
  };
}

/** The clock whose offset is `shared` (made by `createClock`, on any thread). */
export function clockOn(shared: SharedArrayBuffer): Clock {
  const offset = new BigInt64Array(shared);
  return { now: () => Date.now() + Number(Atomics.load(offset, 0)), shared };
}
