import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createSlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { type DatabaseReader, openReader } from './database-reader.js';
import { testEngine } from './engines.js';
import { TEST_CHANNELS, TEST_MANIFEST, TEST_USERS, testEnv } from './harness.js';
import { createTestDatabase } from './postgres.js';

const ROOT = resolve(import.meta.dirname, '../..');
/**
 * `node --import tsx` on the sources (`npm start` runs the same code built to dist/): one
 * process, so signals reach pls itself (the tsx CLI wrapper relays them racily at start-up).
 */
const NODE_ARGS = ['--import', 'tsx'];

export interface ChildApp {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGKILL: no shutdown hook runs, exactly like a crash. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  terminate(): Promise<number | null>;
}

/**
 * Runs `src/main.ts` — what `npm start` runs — as a child process with the given environment,
 * and resolves once it logs that it is listening. Only ever kills the process it started.
 */
async function startChild(env: Record<string, string | undefined>, timeoutMs = 15_000): Promise<ChildApp> {
  const child = spawn(process.execPath, [...NODE_ARGS, 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`child did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = () => {
      const match = /"port":(\d+)/.exec(output);
      if (match && output.includes('listening')) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`child exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async kill9() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async terminate() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs a command to completion and returns its exit code and output (for start-up errors, `npm run check`). */
export function runToExit(args: string[], env: Record<string, string | undefined>, timeoutMs = 15_000) {
  return new Promise<{ code: number | null; output: string }>((done, fail) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

/**
 * For tests that crash pls: a Slack emulator, a temp dir and a database per test (a SQLite
 * file in the dir, or a Postgres database of its own when PLS_TEST_ENGINE=postgres), the pls
 * processes the test starts on them (`start`, all on the same database), and the database read
 * through its own connection (`query`). After each test every process is killed -9, and the
 * dir and the database removed.
 */
export function useCrashableApps(prefix: string) {
  const emulator = createSlackEmulator({ channels: TEST_CHANNELS, users: TEST_USERS });
  const engine = testEngine();
  let dir = '';
  let databaseUrl = '';
  let reader: DatabaseReader | null = null;
  let postgres: { url: string; drop(): Promise<void> } | null = null;
  const children: ChildApp[] = [];
  beforeEach(async () => {
    await emulator.start();
    dir = mkdtempSync(join(tmpdir(), prefix));
    postgres = engine === 'postgres' ? await createTestDatabase() : null;
    databaseUrl = postgres?.url ?? `file:${join(dir, 'pls.db')}`;
    reader = openReader(engine, databaseUrl);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill9();
    await emulator.stop();
    emulator.reset();
    emulator.clearFailures();
    await reader?.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    emulator,
    /** `env` adds to or overrides the test environment. */
    async start(manifest = TEST_MANIFEST, env: Record<string, string> = {}): Promise<ChildApp> {
      const child = await startChild({
        ...testEnv(emulator.url, join(dir, 'pls.db'), manifest),
        DATABASE_URL: databaseUrl,
        ...env,
      });
      children.push(child);
      return child;
    },
    query: <T>(sql: string, ...params: unknown[]) => reader!.query<T>(sql, ...params),
  };
}
