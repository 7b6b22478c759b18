import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import { createSlackEmulator } from '../../src/emulator/slack-emulator.js';
import {
  SIGNING_SECRET,
  TEST_CHANNELS,
  TEST_MANIFEST,
  TEST_USERS,
  WEBHOOK_SECRET,
  WRITE_KEY,
} from './harness.js';

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

/** The environment `npm start` would get in a test: the emulator, a SQLite file under `dir`, the test secrets. */
function childEnv(emulatorUrl: string, dir: string, manifest: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emulatorUrl,
    PORT: '0',
    DATABASE_URL: `file:${join(dir, 'pls.db')}`,
    PLS_MANIFEST: manifest,
    PLS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PLS_WRITE_KEY: WRITE_KEY,
  };
}

/** Reads the child's database file through a connection of its own (what is on disk). */
function queryFile<T>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, 'pls.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/**
 * For tests that crash pls: a Slack emulator and a temp dir per test, the pls processes the test
 * starts on them (`start`, all on the same database), and the file read through its own
 * connection (`query`). After each test every process is killed -9 and the dir removed.
 */
export function useCrashableApps(prefix: string) {
  const emulator = createSlackEmulator({ channels: TEST_CHANNELS, users: TEST_USERS });
  let dir = '';
  const children: ChildApp[] = [];
  beforeEach(async () => {
    await emulator.start();
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill9();
    await emulator.stop();
    emulator.reset();
    emulator.clearFailures();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    emulator,
    async start(manifest = TEST_MANIFEST): Promise<ChildApp> {
      const child = await startChild(childEnv(emulator.url, dir, manifest));
      children.push(child);
      return child;
    },
    query<T>(sql: string, ...params: unknown[]): T[] {
      return queryFile<T>(dir, sql, ...params);
    },
  };
}
