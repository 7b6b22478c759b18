import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../src/config/manifest.js';
import { createSlackEmulator, type SlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { randomWebhookSecret } from '../load/sign.js';
import { cpuSecondsOf } from './child.js';
import { machineSeconds } from './machine.js';
import { BENCH_BOT_TOKEN, BENCH_MANIFEST, PLS_NODE_FLAGS } from './pls.js';
import type { BenchPostgres } from './postgres.js';

/** Sizes of one run: `--quick` shrinks every one of them to a smoke test. */
export interface Sizes {
  /** Closed-loop single-event ingest: warm-up and measured window. */
  ingestWarmupMs: number;
  ingestMs: number;
  connections: number;
  openLoopRate: number;
  openLoopWarmupMs: number;
  openLoopMs: number;
  /** Batch feed: messages (the RSS figure is read after them), accounts and days behind them. */
  feedTotal: number;
  /** Of those, stored straight into the database before pls starts (its history). */
  feedPreload: number;
  feedAccounts: number;
  feedDays: number;
  feedConnections: number;
  /** The feed stops here even if it has not reached `feedTotal` (the run bounds itself). */
  feedLimitMs: number;
  latencyAccounts: number;
  commandAccounts: number;
  commandAlerts: number;
  commandRuns: number;
}

export const FULL: Sizes = {
  ingestWarmupMs: 2_000,
  ingestMs: 6_000,
  connections: 50,
  openLoopRate: 1_000,
  openLoopWarmupMs: 2_000,
  openLoopMs: 8_000,
  feedTotal: 1_000_000,
  feedPreload: 900_000,
  feedAccounts: 10_000,
  feedDays: 28,
  feedConnections: 4,
  feedLimitMs: 60_000,
  latencyAccounts: 200,
  commandAccounts: 100_000,
  commandAlerts: 10_000,
  commandRuns: 20,
};

export const QUICK: Sizes = {
  ingestWarmupMs: 300,
  ingestMs: 1_000,
  connections: 10,
  openLoopRate: 200,
  openLoopWarmupMs: 300,
  openLoopMs: 1_000,
  feedTotal: 5_000,
  feedPreload: 2_000,
  feedAccounts: 200,
  feedDays: 7,
  feedConnections: 2,
  feedLimitMs: 20_000,
  latencyAccounts: 10,
  commandAccounts: 2_000,
  commandAlerts: 200,
  commandRuns: 3,
};

export interface BenchContext {
  quick: boolean;
  /** `--db=postgres`: the Postgres pls and the baselines run on; null on SQLite. */
  postgres: BenchPostgres | null;
  sizes: Sizes;
  /** CPU the servers under test are pinned to, and the one this process (load + emulator) is on. */
  serverCpu: number | null;
  clientCpu: number | null;
  /** Extra node flags for pls children (`--cpu-prof`). */
  plsNodeArgs: string[];
  webhookSecret: string;
  emulator: SlackEmulator;
  /** A fresh directory for one phase's files. */
  dir(name: string): string;
  log(message: string): void;
  /** Removes the run's files (synchronous: also called when the run is cut short). */
  removeFiles(): void;
  close(): Promise<void>;
}

export async function createContext(options: {
  quick: boolean;
  pin: boolean;
  profileDir: string | null;
  postgres: BenchPostgres | null;
}): Promise<BenchContext> {
  const manifest = loadManifest(BENCH_MANIFEST);
  const { routing } = manifest;
  const emulator = createSlackEmulator({
    token: BENCH_BOT_TOKEN,
    channels: [...routing.teams.map((t) => t.channel), routing.escalation_channel],
    users: [
      ...routing.reps.map((r) => ({ id: r.id, email: r.email })),
      ...routing.managers.map((id) => ({ id })),
    ],
  });
  await emulator.start();
  const root = mkdtempSync(join(tmpdir(), 'pls-bench-'));
  const started = performance.now();
  return {
    quick: options.quick,
    postgres: options.postgres,
    sizes: options.quick ? QUICK : FULL,
    serverCpu: options.pin ? 1 : null,
    clientCpu: options.pin ? 0 : null,
    plsNodeArgs: [
      ...PLS_NODE_FLAGS,
      ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
    ],
    webhookSecret: randomWebhookSecret(),
    emulator,
    dir(name) {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    log(message) {
      process.stderr.write(
        `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`,
      );
    },
    removeFiles() {
      rmSync(root, { recursive: true, force: true });
    },
    async close() {
      rmSync(root, { recursive: true, force: true });
      await emulator.stop();
      options.postgres?.stop();
    },
  };
}

/**
 * CPU use over a window: the server under test, this process (load generator + emulator),
 * everything else on the machine, and the time the host stole from this VM's CPUs (other work
 * skews every figure, and a stolen millisecond stalls a server mid-request; the report says how
 * much of each).
 */
export function cpuWindow(serverPid: number | null) {
  const t0 = performance.now();
  const server0 = serverPid ? cpuSecondsOf(serverPid) : 0;
  const self0 = cpuSecondsOf('self');
  const machine0 = machineSeconds();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const server = serverPid ? cpuSecondsOf(serverPid) - server0 : 0;
    const self = cpuSecondsOf('self') - self0;
    const machine = machineSeconds();
    const round = (x: number) => Math.round((x / seconds) * 100) / 100;
    return {
      server: round(server),
      client: round(self),
      other: round(Math.max(0, machine.busy - machine0.busy - server - self)),
      stolen: round(machine.stolen - machine0.stolen),
    };
  };
}

export type CpuUse = ReturnType<ReturnType<typeof cpuWindow>>;
