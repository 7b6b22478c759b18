/**
 * The scoring thread's side (started by src/db/sqlite/scoring-thread.ts): its own connection, the
 * event processor and its loop. It tells the main thread what each turn did; the main thread
 * counts, logs and wakes the outbox sender.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../obs/logger.js';
import { clockOn } from '../../runtime/clock.js';
import { createEventProcessor, openedTiers, scoredAccounts } from '../../services/process-events.js';
import { createProcessingLoop } from '../../services/processing-loop.js';
import type { ScoringTurn } from '../storage.js';
import { closeDatabase, openConnection } from './client.js';
import type { ScoringWorkerData } from './scoring-thread.js';
import { repositoriesOn } from './sqlite-storage.js';
import { createSqliteStore } from './sqlite-store.js';
import { createWriteTurns } from './write-turns.js';

/** The scoring thread's nice value: the kernel runs the main thread first when both want the core. */
const SCORING_NICE = 10;

const data = workerData as ScoringWorkerData;
const port = parentPort!;
const { manifest } = data;
const logger = createLogger(data.logLevel).child({ thread: 'scoring' });
const tid = lowerPriority();

const db = openConnection(data.databasePath);
// Checkpoints are the checkpointer's (src/db/sqlite/checkpointer.ts), never a commit's: one here ran
// while this thread held the write lock, and ingest waited for it (p90 23 ms under /v1/batch).
db.$client.pragma('wal_autocheckpoint = 0');
const now = clockOn(data.clock).now;
const turns = createWriteTurns(data.turns);
const kicked = new Int32Array(data.kicked);
const store = createSqliteStore({ db, turns, thread: 'scoring' });
const { events, accounts, alerts, outbox, deliveries, crm, ticks } = repositoriesOn(db, store);
const processor = createEventProcessor({
  store,
  events,
  accounts,
  alerts,
  outbox,
  deliveries,
  manifest,
  now,
  yieldNow: () => turns.mainWaiting(),
  crm: data.crm ? crm : null,
  crmWriteBack: data.crm,
  ticks,
});
let queued = outbox.enqueuedSoFar();
let delivered = deliveries.enqueuedSoFar();
const loop = createProcessingLoop({
  processor,
  logger,
  onProcessed(result) {
    const enqueued = outbox.enqueuedSoFar();
    const report: ScoringTurn = {
      opened: openedTiers(result),
      queued: enqueued - queued,
      deliveries: deliveries.enqueuedSoFar() - delivered,
      quarantined: result.quarantined ?? [],
      ...(data.crm ? { accounts: scoredAccounts(result) } : {}),
    };
    queued = enqueued;
    delivered = deliveries.enqueuedSoFar();
    port.postMessage(report);
  },
});

port.on('message', (message: 'kick' | 'stop') => {
  if (message === 'kick') {
    Atomics.store(kicked, 0, 0);
    loop.kick();
    return;
  }
  // The turn under way ends (commits or rolls back) before its connection closes.
  void loop.stop().finally(() => {
    closeDatabase(db);
    port.close();
  });
});
loop.kick(); // events a previous run left pending
// The thread's id lets an operator (or the benchmark) find it in /proc, top -H, taskset.
logger.info({ tid }, 'scoring thread started');

/**
 * Asks the kernel to run this thread after the main thread when both want the core (nice 10,
 * Linux only: a thread's id is a process id to setpriority), so scoring never delays an ack.
 * Returns the thread's id (null where /proc has none).
 */
function lowerPriority(): number | null {
  let id: number | null = null;
  try {
    id = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(id, SCORING_NICE);
  } catch (error) {
    logger.warn({ err: error }, 'could not lower the scoring thread priority: it shares the CPU evenly');
  }
  return id;
}
