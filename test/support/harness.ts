import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { Webhook } from 'standardwebhooks';
import { type Database, databaseOf } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/obs/logger.js';
import { createClock } from '../../src/runtime/clock.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { SlackEmulator } from '../../tools/emulator/emulator-types.js';
import { createSlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { openReader } from './database-reader.js';
import { type Engine, testEngine } from './engines.js';
import { createTestDatabase } from './postgres.js';

export const WEBHOOK_SECRET = `whsec_${Buffer.from('pls-test-webhook-secret-0123456789').toString('base64')}`;
export const SIGNING_SECRET = 'test-signing-secret';
export const WRITE_KEY = 'wk_example';
export const TEST_MANIFEST = resolve(import.meta.dirname, 'manifests/test.yml');

export const TEST_CHANNELS = ['C0ENTERPRISE', 'C0MIDMARKET', 'C0ESCALATE', 'C0EXAMPLE'];
export const TEST_USERS = [
  { id: 'U0ANA', name: 'ana', email: 'ana@seller.com', tz: 'America/New_York' },
  { id: 'U0BEN', name: 'ben', email: 'ben@seller.com', tz: 'America/Chicago' },
  { id: 'U0MGR', name: 'mgr', email: 'mgr@seller.com', tz: 'America/New_York' },
  { id: 'U0EXAMPLE', name: 'kim.lee', email: 'kim@seller.com', tz: 'America/New_York' },
];

export interface Harness {
  url: string;
  /** Moves the app's clock forward (the app reads time only through it). */
  advance(ms: number): void;
  emulator: SlackEmulator;
  server: RunningServer;
  dir: string;
  /** The engine the app runs on: PLS_TEST_ENGINE, SQLite unless it says `postgres`. */
  engine: Engine;
  /** The SQLite file (on SQLite; on Postgres nothing is there). */
  dbPath: string;
  /** `DATABASE_URL` as the app got it. */
  databaseUrl: string;
  /** Reads the database with a connection of its own (what is committed, not in memory), in SQLite's dialect. */
  query<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** Plants rows with a connection of its own, in one transaction (DatabaseReader.write). */
  write(sql: string, rows: unknown[][]): Promise<void>;
  postWebhook(body: unknown, options?: SignOptions): Promise<Response>;
  /** What pls logged, parsed, when started with `logs` (else empty). */
  logs(): Record<string, unknown>[];
  restart(): Promise<void>;
  /**
   * Starts another instance of pls on the same database, emulator and clock (Postgres: several
   * instances share one database), logging at `logs` and above for its `logs()`. `stop` ends
   * it; the harness's own `stop` ends those still running.
   */
  another(logs?: LevelWithSilent): Promise<Instance>;
  stop(): Promise<void>;
}

export interface Instance {
  server: RunningServer;
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface SignOptions {
  id?: string;
  timestamp?: Date;
  secret?: string;
  contentType?: string;
  /** Change the body after signing (a tampered request). */
  tamper?: (raw: string) => string;
}

/**
 * Starts what `npm start` starts — config loaded from an env map, a real database (a SQLite file
 * in a temp dir, or a Postgres database of its own when PLS_TEST_ENGINE=postgres), Bolt with its HTTP receiver, the ingest routes — against the Slack emulator on 127.0.0.1.
 */
export async function startHarness(
  options: {
    env?: Record<string, string | undefined>;
    manifest?: string;
    channels?: string[];
    notInChannel?: string[];
    /** The workspace's people; default TEST_USERS. */
    users?: typeof TEST_USERS;
    /** Keep what pls logs at this level and above, for `logs()`. */
    logs?: LevelWithSilent;
    /**
     * Slack traffic over Socket Mode: `SLACK_APP_TOKEN` is the emulator's app-level token and no
     * signing secret is set; deliver interactions with test/support/socket-requests.ts. Start-up
     * returns once pls has its `hello`.
     */
    socketMode?: boolean;
  } = {},
): Promise<Harness> {
  const emulator = createSlackEmulator({
    channels: options.channels ?? TEST_CHANNELS,
    notInChannel: options.notInChannel,
    users: options.users ?? TEST_USERS,
  });
  await emulator.start();
  const dir = mkdtempSync(join(tmpdir(), 'pls-test-'));
  const dbPath = join(dir, 'pls.db');
  // A test may name a database of its own (a Postgres cluster it stops, say).
  const given = options.env?.DATABASE_URL;
  const engine = given ? (databaseOf(given) as Database).engine : testEngine();
  const postgres = engine === 'postgres' && !given ? await createTestDatabase() : undefined;
  const databaseUrl = given ?? postgres?.url ?? `file:${dbPath}`;
  const socketMode = options.socketMode
    ? { SLACK_APP_TOKEN: emulator.socketMode.appToken, SLACK_SIGNING_SECRET: undefined }
    : {};
  const env = {
    ...testEnv(emulator.url, dbPath, options.manifest ?? TEST_MANIFEST),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...socketMode,
    ...options.env,
  };
  const logged: Record<string, unknown>[] = [];
  const logger = options.logs
    ? createLogger(options.logs, { write: (line: string) => logged.push(JSON.parse(line)) })
    : createLogger(process.env.PLS_TEST_LOG === '1' ? 'debug' : 'silent');
  const clock = createClock();
  const boot = (log = logger) =>
    startServer(loadConfig(env), log, {
      host: '127.0.0.1',
      retryBaseMs: 50,
      // Standard Webhooks' schedule in tenths of seconds: a receiver "down for an hour" is down for a few.
      webhookBackoffMs: [100, 200, 400, 800, 1600],
      clock,
    });
  const others = new Set<Instance>();
  let server: RunningServer;
  try {
    server = await boot();
  } catch (error) {
    await emulator.stop();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const reader = openReader(engine, databaseUrl);

  const harness: Harness = {
    get url() {
      return server.url;
    },
    advance(ms: number) {
      clock.advance(ms);
    },
    emulator,
    get server() {
      return server;
    },
    dir,
    engine,
    dbPath,
    databaseUrl,
    query: (sql, ...params) => reader.query(sql, ...params),
    write: (sql, rows) => reader.write(sql, rows),
    postWebhook: (body, sign) => postSigned(server.url, body, sign),
    logs: () => [...logged],
    async restart() {
      await server.stop();
      server = await boot();
    },
    async another(level = 'silent') {
      const lines: Record<string, unknown>[] = [];
      const other = await boot(
        createLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) }),
      );
      const instance: Instance = {
        server: other,
        logs: () => [...lines],
        async stop() {
          if (others.delete(instance)) await other.stop();
        },
      };
      others.add(instance);
      return instance;
    },
    async stop() {
      for (const other of [...others]) await other.stop();
      await server.stop();
      await emulator.stop();
      await reader.close();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The environment `npm start` would get in a test: the emulator, the SQLite file, the test secrets. */
export function testEnv(emulatorUrl: string, dbPath: string, manifest: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emulatorUrl,
    PORT: '0',
    DATABASE_URL: `file:${dbPath}`,
    PLS_MANIFEST: manifest,
    PLS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PLS_WRITE_KEY: WRITE_KEY,
  };
}

export function signWebhook(raw: string, options: SignOptions = {}): Record<string, string> {
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = options.timestamp ?? new Date();
  const signature = new Webhook(options.secret ?? WEBHOOK_SECRET).sign(id, timestamp, raw);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

export async function postSigned(
  baseUrl: string,
  body: unknown,
  options: SignOptions = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = signWebhook(raw, options);
  return fetch(`${baseUrl}/webhooks/usage`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', ...headers },
    body: options.tamper ? options.tamper(raw) : raw,
  });
}

/**
 * Polls a probe (sync or async) until it returns a value, or fails naming what it waited for.
 * An async probe is awaited: its promise is never mistaken for the value.
 */
export async function eventually<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 5000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
