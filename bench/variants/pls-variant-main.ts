/**
 * pls with the fixes this benchmark recommends, for measurement only: exactly what src/main.ts
 * and src/server.ts run (config, database, `buildApp` with its processing loop, outbox sender,
 * Bolt and every route), with
 * - `PLS_BENCH_GROUP_COMMIT=1`: `POST /webhooks/usage` goes to ./group-commit-route.ts;
 * - `PLS_BENCH_PREPARED=1`: the scoring pipeline's repository calls use statements prepared
 *   once (./prepared-repos.ts);
 * - `PLS_BENCH_ZONE_CACHE=1`: time-zone validity is remembered (./zone-cache.ts) instead of
 *   luxon building an `Intl.DateTimeFormat` for every event that carries `account.timezone`;
 * Same environment as pls otherwise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { closeDatabase, openDatabase } from '../../src/db/client.js';
import { HttpError, sendJson } from '../../src/ingest/http-error.js';
import { createLogger } from '../../src/obs/logger.js';
import { createGroupCommitWebhookRoute } from './group-commit-route.js';
import { usePreparedStatements } from './prepared-repos.js';
import { cacheZoneValidity } from './zone-cache.js';

if (process.env.PLS_BENCH_ZONE_CACHE === '1') cacheZoneValidity();
const { env, manifest } = loadConfig();
const logger = createLogger(env.logLevel);
const db = openDatabase(env.databasePath);
const app = buildApp({ env, manifest, db, logger });
const { metrics, loop, accounts, alerts } = app.internals;
if (process.env.PLS_BENCH_PREPARED === '1') usePreparedStatements(db, accounts, alerts);
const webhook =
  process.env.PLS_BENCH_GROUP_COMMIT === '1'
    ? createGroupCommitWebhookRoute({
        secret: env.webhookSecret!,
        db,
        now: Date.now,
        onStored: (result) => {
          metrics.events.inc({ source: 'webhook', result: 'accepted' }, result.accepted);
          metrics.events.inc({ source: 'webhook', result: 'duplicate' }, result.duplicates);
          if (result.accepted > 0) loop.kick();
        },
      })
    : null;

const server = createServer((req, res) => {
  if (webhook && req.method === 'POST' && req.url?.split('?')[0] === '/webhooks/usage') {
    webhook(req, res).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof HttpError) sendJson(res, error.status, error.body);
      else {
        logger.error({ err: error }, 'request failed');
        sendJson(res, 500, { error: 'internal error: nothing was stored, retry later' });
      }
    });
    return;
  }
  app.handle(req, res);
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(env.port, '127.0.0.1', resolve));
await app.start();
logger.info({ port: (server.address() as AddressInfo).port }, 'pls (bench variant) is listening');
if (process.env.PLS_BENCH_MEMLOG === '1') {
  // For finding where memory goes: the V8 heap vs native memory (SQLite, buffers), every 2 s.
  setInterval(() => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const mib = (n: number) => Math.round(n / 1_048_576);
    logger.info(
      {
        rss: mib(rss),
        heapTotal: mib(heapTotal),
        heapUsed: mib(heapUsed),
        external: mib(external),
        arrayBuffers: mib(arrayBuffers),
      },
      'memory',
    );
  }, 2_000).unref();
}

process.once('SIGTERM', () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  void app
    .stop()
    .then(() => closed)
    .then(() => {
      closeDatabase(db);
      process.exit(0);
    });
});
