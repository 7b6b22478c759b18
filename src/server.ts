import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { buildApp, type PlsApp } from './app.js';
import { ConfigError, configIssue } from './config/config-error.js';
import type { Env } from './config/env.js';
import type { Config } from './config/load-config.js';
import { openPostgresStorage } from './db/postgres/pg-storage.js';
import { openFailure } from './db/sqlite/client.js';
import { openSqliteStorage } from './db/sqlite/sqlite-storage.js';
import type { Storage } from './db/storage.js';
import type { Clock } from './runtime/clock.js';

export interface RunningServer {
  app: PlsApp;
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish, drains the current outbox call, closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens the database (migrating it), builds the app and listens. Shared by main.ts and the
 * integration tests, so tests run exactly what `npm start` runs.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: {
    /** Overrides `HOST` (the sandbox's --host, the tests' 127.0.0.1). */
    host?: string;
    clock?: Clock;
    retryBaseMs?: number;
    /** Outbound webhooks' retry schedule (tests shorten it). */
    webhookBackoffMs?: readonly number[];
    /**
     * Sees each request before pls does and returns true when it answered it: the sandbox serves
     * its page on the bot's own port this way (tools/sandbox/).
     */
    intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
  } = {},
): Promise<RunningServer> {
  const { env, manifest } = config;
  const host = options.host ?? env.host ?? undefined;
  const storage = await openStorage(env, logger);
  const app = buildApp({
    env,
    manifest,
    webhooks: config.webhooks,
    storage,
    logger,
    clock: options.clock,
    retryBaseMs: options.retryBaseMs,
    webhookBackoffMs: options.webhookBackoffMs,
  });
  const server = createServer((req, res) => {
    if (options.intercept?.(req, res)) return;
    app.handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  // Bytes that are not HTTP: Node's own answers (400, 408, 431, close), counted and noted at
  // debug — anyone can send them, so not in the error log. A connection that ends or resets
  // mid-request is no refusal of its own: the router counts one whose body it was reading.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    logger.debug({ code: error.code, reason: error.message }, 'malformed HTTP request');
    if (HANG_UPS.has(error.code ?? '') || !socket.writable) {
      socket.destroy();
      return;
    }
    app.internals.metrics.requestsRefused.inc({ route: '(http)', reason: 'malformed' });
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(env.port, host, () => resolve());
    });
  } catch (error) {
    await storage.close();
    throw listenFailure(error, env.port, host);
  }
  const port = (server.address() as AddressInfo).port;
  await app.start();

  let stopping: Promise<void> | null = null;
  return {
    app,
    server,
    port,
    url: `http://${urlHost(host)}:${port}`,
    stop() {
      stopping ??= (async () => {
        // Requests under way are answered first: an ingest ack waits for a WAL sync, which
        // app.stop() ends.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
        await app.stop();
        await storage.close();
      })();
      return stopping;
    },
  };
}

/** How a client reaches the address pls listens on (every interface: this machine's loopback). */
function urlHost(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return isIPv6(host) ? `[${host}]` : host;
}

/** The client hung up: the end of the stream mid-request, or a reset. */
const HANG_UPS = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE']);

/** The statuses Node itself answers these parser errors with. */
const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * The database `DATABASE_URL` names, migrated, or a `ConfigError` naming DATABASE_URL when it
 * cannot be opened or reached: one line, no stack (and never the URL, which may hold a password).
 */
async function openStorage(env: Env, logger: Logger): Promise<Storage> {
  if (env.databaseEngine === 'postgres') {
    try {
      return await openPostgresStorage(env.databaseUrl, { logger, poolSize: env.databasePoolSize });
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      throw new ConfigError([
        configIssue('env', 'DATABASE_URL', `cannot open the Postgres database: ${reason}`),
      ]);
    }
  }
  const path = env.databasePath!;
  try {
    return openSqliteStorage(path, { logger });
  } catch (error) {
    const problem = openFailure(error, path);
    if (problem === null) throw error;
    throw new ConfigError([configIssue('env', 'DATABASE_URL', problem)]);
  }
}

/** A port taken or forbidden, or an address not on this machine, as the variable that set it. */
function listenFailure(error: unknown, port: number, host: string | undefined): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new ConfigError([configIssue('env', 'PORT', `port ${port} is already in use`)]);
  if (code === 'EACCES')
    return new ConfigError([configIssue('env', 'PORT', `port ${port} needs privileges this process lacks`)]);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new ConfigError([
      configIssue('env', 'HOST', `cannot listen on ${host}: not an address of this machine (${code})`),
    ]);
  return error;
}
