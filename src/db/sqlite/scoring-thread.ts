import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { LevelWithSilent } from 'pino';
import type { Manifest } from '../../domain/definition.js';
import { moduleBeside } from '../../runtime/module-path.js';
import type { Scoring, ScoringDeps, ScoringTurn } from '../storage.js';
import type { WriteTurns } from './write-turns.js';

/** What the scoring thread starts from (structured-cloned into it; no secrets, and no environment). */
export interface ScoringWorkerData {
  databasePath: string;
  logLevel: LevelWithSilent;
  manifest: Manifest;
  /** HubSpot is on: routing reads CRM owners, and turns name the accounts they scored. */
  crm: boolean;
  /** The clock's shared offset (`clockOn`). */
  clock: SharedArrayBuffer;
  /** The write turns' shared lock (`createWriteTurns`). */
  turns: SharedArrayBuffer;
  /** One cell: 1 while a kick is on its way, so a burst of ingest commits posts one message. */
  kicked: SharedArrayBuffer;
}

/**
 * If the scoring thread dies, it is started again after this long (its events wait, stored),
 * doubling while it keeps dying within a minute of its start, up to a minute.
 */
const RESTART_MS = 1_000;
const RESTART_LIMIT_MS = 60_000;
const STOP_LIMIT_MS = 5_000;

/**
 * Scores events on a thread of its own, with its own database connection, so a scoring turn
 * never holds an ingest request or a button click: the main thread parses, verifies, commits and
 * answers, and the kernel runs scoring beside it (on another core when there is one) at a lower
 * priority. Ingest kicks it after each commit; it reports each turn (`onTurn`) after committing.
 * A thread that dies is started again; what it had not committed is still pending and is scored
 * then.
 */
export function startScoringThread(deps: ScoringDeps & { turns: WriteTurns; databasePath: string }): Scoring {
  const kicked = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const data: ScoringWorkerData = {
    databasePath: deps.databasePath,
    logLevel: deps.logger.level as LevelWithSilent, // the level the main thread logs at (tests raise it)
    manifest: deps.config.manifest,
    crm: deps.config.env.hubspotToken !== null,
    clock: deps.clock.shared,
    turns: deps.turns.shared,
    kicked: kicked.buffer as SharedArrayBuffer,
  };
  let stopped = false;
  let exited = false;
  let restart: NodeJS.Timeout | null = null;
  let startedAt = 0;
  let delay = RESTART_MS;
  let worker = spawn();

  function spawn(): Worker {
    Atomics.store(kicked, 0, 0);
    exited = false;
    startedAt = performance.now();
    const [entry, options] = workerEntry();
    // env: {} — the thread gets no copy of the process's environment (tokens, secrets).
    const thread = new Worker(entry, { ...options, workerData: data, env: {} });
    thread.on('message', (message: ScoringTurn) => deps.onTurn(message));
    thread.on('error', (error) => deps.logger.error({ err: error }, 'scoring thread failed'));
    thread.on('exit', (code) => {
      exited = true;
      deps.turns.releaseAbandoned();
      if (stopped) return;
      deps.onLost();
      if (performance.now() - startedAt > RESTART_LIMIT_MS) delay = RESTART_MS;
      const wait = delay;
      delay = Math.min(delay * 2, RESTART_LIMIT_MS);
      deps.logger.error({ code }, `scoring thread exited: starting it again in ${wait} ms`);
      restart = setTimeout(() => {
        restart = null;
        if (!stopped) worker = spawn();
      }, wait);
    });
    return thread;
  }

  return {
    kick(): void {
      if (stopped || restart) return; // a restarted thread scores whatever is pending
      if (Atomics.compareExchange(kicked, 0, 0, 1) === 0) worker.postMessage('kick');
    },
    running(): boolean {
      return !exited && !stopped;
    },
    async crash(): Promise<void> {
      await worker.terminate();
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      if (restart) clearTimeout(restart);
      if (exited) return;
      const exit = once(worker, 'exit');
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), STOP_LIMIT_MS);
      await exit;
      clearTimeout(timeout);
    },
  };
}

/**
 * The worker's module: the built .js beside this one, or under tsx and vitest (which run the
 * TypeScript source) a bootstrap that registers tsx in the thread first.
 */
function workerEntry(): [string | URL, { eval?: boolean }] {
  const { url, typescript } = moduleBeside(import.meta.url, 'scoring-worker');
  if (!typescript) return [url, {}];
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return [
    `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`,
    { eval: true },
  ];
}
