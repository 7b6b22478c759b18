/**
 * The physical limit of pls's ingest design, run as its own process: a bare `node:http` server
 * that reads the body, verifies the Standard Webhooks signature with the same library pls uses,
 * parses the JSON and inserts one row — into the same `events` table (pls's migrations, so the
 * same indexes) with the same pragmas (WAL, synchronous = FULL) — and answers 202 after the
 * commit. No validation, no scoring, no Slack: what is left is HTTP, HMAC, JSON and one fsync.
 *
 * env: BENCH_DB (file path), BENCH_WEBHOOK_SECRET.
 */
import { openDatabase } from '../../src/db/sqlite/client.js';
import { serveBareWebhooks } from './bare-webhook-server.js';

const db = openDatabase(process.env.BENCH_DB!).$client;
const insert = db.prepare(
  `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
   values (?, 'webhook', ?, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
);

serveBareWebhooks({
  secret: process.env.BENCH_WEBHOOK_SECRET!,
  insert: (row) => insert.run(...row).changes,
  close: () => db.close(),
});
