import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createWriteTurns } from '../../../src/db/sqlite/write-turns.js';

/**
 * The scoring side runs on a real second thread (Atomics.wait would block this one). It loads
 * the module under test through tsx, as the scoring thread does under vitest, and reports what it
 * saw in `log` (shared): each side appends a code when it writes, in the order the writes ran.
 */
const MODULE = JSON.stringify(new URL('../../../src/db/sqlite/write-turns.ts', import.meta.url).href);
const TSX = JSON.stringify(import.meta.resolve('tsx/esm/api'));

const INGEST_WROTE = 1;
const SCORING_WROTE = 2;
const SCORING_SAW_INGEST_WAITING = 3;

function scoringSide(
  script: string,
  turns: SharedArrayBuffer,
  log: SharedArrayBuffer,
  extra: Record<string, SharedArrayBuffer> = {},
): Worker {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(${TSX}).then(({ register }) => { register(); return import(${MODULE}); }).then(({ createWriteTurns }) => {
      const turns = createWriteTurns(workerData.turns);
      const log = new Int32Array(workerData.log);
      const append = (code) => { const at = Atomics.add(log, 0, 1) + 1; Atomics.store(log, at, code); };
      const asScoring = (turn) => { const release = turns.holdScoring(); try { return turn(); } finally { release(); } };
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      // Inside a turn: tells the test it holds the lock, then waits (5 s at most) for the main thread to ask for it.
      const holdUntilMainWaits = () => {
        parentPort.postMessage('holding');
        const until = Date.now() + 5000;
        while (!turns.mainWaiting() && Date.now() < until) sleep(1);
      };
      ${script}
      parentPort.postMessage('done');
    });`;
  return new Worker(source, { eval: true, workerData: { turns, log, ...extra } });
}

/** The main thread's side of `append`. */
const append = (log: SharedArrayBuffer, code: number) => {
  const cells = new Int32Array(log);
  Atomics.store(cells, Atomics.add(cells, 0, 1) + 1, code);
};

const entries = (log: SharedArrayBuffer) => {
  const cells = new Int32Array(log);
  return [...cells.slice(1, 1 + Atomics.load(cells, 0))];
};

const waitFor = (worker: Worker, message: string) =>
  new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => m === message && resolve());
    worker.once('error', reject);
  });

let workers: Worker[] = [];

/** What the store does with the main thread's turn: holds it for `write`, then lets go. */
async function asMain<T>(turns: ReturnType<typeof createWriteTurns>, write: () => T): Promise<T> {
  const release = await turns.holdMain();
  try {
    return write();
  } finally {
    release();
  }
}
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

describe('write turns between ingest and the scoring thread', () => {
  it('ingest waits for the scoring turn under way, which sees it waiting and ends, then writes', async () => {
    const turns = createWriteTurns();
    const log = new SharedArrayBuffer(64);
    const worker = scoringSide(
      `asScoring(() => {
         holdUntilMainWaits();
         if (turns.mainWaiting()) append(${SCORING_SAW_INGEST_WAITING});
         sleep(30); // the rest of the event it is on, and its commit
         append(${SCORING_WROTE});
       });`,
      turns.shared,
      log,
    );
    workers.push(worker);
    await waitFor(worker, 'holding');
    await asMain(turns, () => {
      append(log, INGEST_WROTE);
    });
    expect(entries(log)).toEqual([SCORING_SAW_INGEST_WAITING, SCORING_WROTE, INGEST_WROTE]);
    expect(turns.mainWaiting()).toBe(false);
  });

  it('a scoring turn that starts while ingest writes waits for it', async () => {
    const turns = createWriteTurns();
    const log = new SharedArrayBuffer(64);
    const started = new SharedArrayBuffer(4);
    let done: Promise<void> | null = null;
    await asMain(turns, () => {
      const worker = scoringSide(
        `const started = new Int32Array(workerData.started);
         Atomics.store(started, 0, 1);
         Atomics.notify(started, 0);
         asScoring(() => append(${SCORING_WROTE}));`,
        turns.shared,
        log,
        { started },
      );
      workers.push(worker);
      done = waitFor(worker, 'done');
      // Hold the lock until the thread is about to take its turn (it loads tsx first), then write.
      const flag = new Int32Array(started);
      Atomics.wait(flag, 0, 0, 10_000);
      expect(Atomics.load(flag, 0)).toBe(1);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      append(log, INGEST_WROTE);
    });
    await done;
    expect(entries(log)).toEqual([INGEST_WROTE, SCORING_WROTE]);
  });

  it('a scoring thread that dies in its turn leaves the lock to ingest once it is released', async () => {
    const turns = createWriteTurns();
    const log = new SharedArrayBuffer(64);
    const worker = scoringSide(
      `asScoring(() => {
         parentPort.postMessage('holding');
         for (;;) sleep(10);
       });`,
      turns.shared,
      log,
    );
    workers.push(worker);
    await waitFor(worker, 'holding');
    await worker.terminate(); // no finally runs: the lock is still marked as the thread's
    turns.releaseAbandoned();
    // Without the release this would wait out the live-turn limit and throw.
    await asMain(turns, () => {
      append(log, INGEST_WROTE);
    });
    expect(entries(log)).toEqual([INGEST_WROTE]);
  });

  it("ingest's async wait lets the event loop run until the scoring turn ends, then writes", async () => {
    const turns = createWriteTurns();
    const log = new SharedArrayBuffer(64);
    const fired = new SharedArrayBuffer(4);
    const worker = scoringSide(
      `asScoring(() => {
         holdUntilMainWaits();
         // The rest of its event and its commit: until the main thread's timer has fired (5 s at most).
         Atomics.wait(new Int32Array(workerData.fired), 0, 0, 5000);
         append(${SCORING_WROTE});
       });`,
      turns.shared,
      log,
      { fired },
    );
    workers.push(worker);
    await waitFor(worker, 'holding');
    let loopRan = false;
    setTimeout(() => {
      loopRan = true;
      const cell = new Int32Array(fired);
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    }, 10);
    await asMain(turns, () => {
      expect(loopRan).toBe(true); // the timer fired while the write waited
      append(log, INGEST_WROTE);
    });
    expect(entries(log)).toEqual([SCORING_WROTE, INGEST_WROTE]);
  });

  it("ingest's async wait sees a dead holder's release instead of waiting it out", async () => {
    const turns = createWriteTurns();
    const worker = scoringSide(
      `asScoring(() => {
         parentPort.postMessage('holding');
         for (;;) sleep(10);
       });`,
      turns.shared,
      new SharedArrayBuffer(64),
    );
    workers.push(worker);
    await waitFor(worker, 'holding');
    const written = asMain(turns, () => 'written');
    await worker.terminate();
    turns.releaseAbandoned(); // what the scoring thread's exit handler does
    expect(await written).toBe('written');
  });
});
