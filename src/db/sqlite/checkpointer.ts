import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './client.js';

/**
 * Checkpoints the WAL on a worker thread, with its own connection, instead of inside whichever
 * commit crosses SQLite's 1,000-page threshold on the event loop: a checkpoint copies megabytes
 * into the database file and fsyncs it, and every request waited behind it (BENCHMARKS.md).
 * PASSIVE never blocks the writer or readers. If the worker fails, SQLite's own automatic
 * checkpoints are switched back on, so the WAL never grows without bound.
 *
 * A checkpoint alone does not make the WAL smaller: SQLite starts writing it from the top again
 * only when a write begins after *every* frame was copied, and under steady traffic some commit
 * always lands while the worker copies (338 MB of WAL after 10 s at 1,000 requests/s). So once
 * a worker checkpoint reports `restartFrames` or more in the WAL, the frames it could not reach
 * are copied here, on the event loop, between two commits, after which the next write restarts
 * the WAL, the way SQLite's own checkpoints do. So the WAL holds about `restartFrames` plus one
 * interval's writes. That pass fsyncs the WAL and the database file on the event loop when there
 * is a tail (none if no commit landed since the worker's last pass began): measured 1–2 ms at
 * 1,000 requests/s, ~15 ms under a /v1/batch flood, once an interval at most.
 *
 * Once a second: a checkpoint copies each page once, however often it was rewritten since the
 * last, and at 1,000 requests/s the same account and index pages are rewritten many times a
 * second. The worker's CPU is pls's too: checkpoints every 250 ms cost 3 % more of it than once
 * a second (measured when the benchmark kept every pls thread on one core).
 */
export function startCheckpointer(
  db: Db,
  logger: Logger,
  /** Runs a write on the main thread's turn, in the store's line (src/db/sqlite/sqlite-store.ts). */
  exclusive: <T>(write: () => T) => Promise<T>,
  { intervalMs = 1_000, restartFrames = 4_000 }: { intervalMs?: number; restartFrames?: number } = {},
): { stop(): Promise<void> } {
  if (db.$client.memory) return { stop: async () => {} };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    env: {}, // no copy of the process's environment (tokens, secrets)
    workerData: { path: db.$client.name, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  db.$client.pragma('wal_autocheckpoint = 0');
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    worker.postMessage('checkpoint');
  }, intervalMs);
  timer.unref();
  worker.unref();

  let fellBack = false;
  const fallBack = (reason: string) => {
    clearInterval(timer);
    if (stopped || fellBack || !db.$client.open) return;
    fellBack = true;
    logger.error({ reason }, 'WAL checkpointer stopped: SQLite checkpoints on commit again');
    db.$client.pragma('wal_autocheckpoint = 1000');
  };
  const finishOnLoop = () => {
    if (stopped || fellBack || !db.$client.open) return;
    // On the main thread's turn: the scoring thread writes nothing until the next write
    // begins, which then restarts the WAL (a commit landing meanwhile would keep it growing).
    exclusive(() => {
      if (db.$client.open) db.$client.pragma('wal_checkpoint(PASSIVE)');
    }).catch((error: unknown) =>
      logger.warn({ error: (error as Error).message }, 'WAL checkpoint failed; retrying'),
    );
  };
  worker.on('message', (message: CheckpointReply) => {
    if ('started' in message) {
      // The thread's id lets an operator (or the benchmark) find it in /proc, top -H, taskset.
      logger.info({ thread: 'checkpointer', tid: message.started }, 'WAL checkpointer thread started');
      return;
    }
    busy = false;
    if ('error' in message) {
      logger.warn({ error: message.error }, 'WAL checkpoint failed; retrying');
      return;
    }
    if (message.log >= restartFrames) finishOnLoop();
  });
  let exited = false;
  worker.on('error', (error) => fallBack(error.message));
  worker.on('exit', () => {
    exited = true;
    fallBack('exited');
  });

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (!exited) {
        const exit = once(worker, 'exit');
        worker.postMessage('stop');
        const timeout = setTimeout(() => void worker.terminate(), 2_000);
        await exit;
        clearTimeout(timeout);
      }
      if (db.$client.open) db.$client.pragma('wal_autocheckpoint = 1000');
    },
  };
}

/** The frames in the WAL when the worker's last pass began (`wal_checkpoint`'s `log`). */
type CheckpointReply = { log: number } | { error: string } | { started: number | null };

// Plain CommonJS, evaluated in the worker: it must not depend on how the main thread loads
// TypeScript (tsx, vitest, or the build).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
let tid = null;
try { tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').at(-1)); } catch {}
parentPort.postMessage({ started: tid });
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    // What commits while a pass copies is left for the next pass: a few more passes, while they
    // keep finding much, leave the event loop's finishing pass (if any) only a short tail.
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    for (let pass = 1; pass < 4; pass++) {
      const [next] = db.pragma('wal_checkpoint(PASSIVE)');
      const appended = next.log - result.log;
      result = next;
      if (appended < 64) break;
    }
    parentPort.postMessage({ log: result.log });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;
