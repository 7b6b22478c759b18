import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { type Child, ROOT, startChild } from './child.js';

/** `npm start` is `node <flags> dist/main.js`: the bench runs pls with the same flags. */
const START = (
  JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start.split(/\s+/);
/** What `npm start` runs (bench/run.ts builds it first), and the node flags it runs it with. */
const PLS_MAIN = START.at(-1)!;
export const PLS_NODE_FLAGS = START.slice(1, -1);

export const BENCH_SIGNING_SECRET = 'bench-signing-secret';
export const BENCH_WRITE_KEY = 'wk_bench';
export const BENCH_BOT_TOKEN = 'xoxb-bench';
/** The manifest a new user starts from: business hours, three teams, seven reps. */
export const BENCH_MANIFEST = resolve(ROOT, 'manifests/pls.yml');

export interface PlsOptions {
  /** `file:<path>` or `postgres://…`: the database pls runs on. */
  databaseUrl: string;
  slackApiUrl: string;
  webhookSecret: string;
  cpu: number | null;
  /** e.g. `['--cpu-prof', '--cpu-prof-dir=…']` */
  nodeArgs?: string[];
  /** More of the environment (HUBSPOT_TOKEN and HUBSPOT_API_URL, say). */
  env?: Record<string, string>;
}

/** The environment `npm start` would get, pointed at the emulator and a bench database. */
export function plsEnv(
  options: Pick<PlsOptions, 'databaseUrl' | 'slackApiUrl' | 'webhookSecret'>,
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
    SLACK_API_URL: options.slackApiUrl,
    PORT: '0',
    DATABASE_URL: options.databaseUrl,
    PLS_MANIFEST: BENCH_MANIFEST,
    PLS_WEBHOOK_SECRET: options.webhookSecret,
    PLS_WRITE_KEY: BENCH_WRITE_KEY,
    LOG_LEVEL: 'info',
  };
}

/**
 * pls as `npm start` runs it (after `npm run build`), as its own process. Pinned, it is pinned
 * like the bare servers — every thread to `cpu` — except the two threads pls runs beside its
 * event loop to use a second core, scoring (src/db/sqlite/scoring-thread.ts) and WAL checkpoints
 * (src/db/sqlite/checkpointer.ts): those may run on any core, the load generator's included, as they
 * would on a 2-core machine of pls's own.
 */
export async function startPls(options: PlsOptions): Promise<Child> {
  const pls = await startChild({
    script: PLS_MAIN,
    env: { ...plsEnv(options), ...options.env },
    cpu: options.cpu,
    nodeArgs: options.nodeArgs,
  });
  // On Postgres there are no threads beside the event loop: scoring is a loop on it.
  if (options.cpu !== null && options.databaseUrl.startsWith('file:'))
    for (const thread of ['scoring', 'checkpointer']) {
      const tid = await threadOf(pls, thread);
      execFileSync('taskset', ['-p', '-c', `0-${cpus().length - 1}`, String(tid)], { stdio: 'ignore' });
    }
  return pls;
}

/** A background thread's id, from the line it logs when it starts. */
async function threadOf(pls: Child, thread: string): Promise<number> {
  const deadline = performance.now() + 10_000;
  const pattern = new RegExp(`"thread":"${thread}".*?"tid":(\\d+)`);
  for (;;) {
    const tid = pattern.exec(pls.output())?.[1];
    if (tid) return Number(tid);
    if (performance.now() > deadline) throw new Error(`pls did not log its ${thread} thread within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
