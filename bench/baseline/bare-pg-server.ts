/**
 * The physical limit of pls's ingest design on Postgres, run as its own process: a bare
 * `node:http` server that reads the body, verifies the Standard Webhooks signature with the
 * same library pls uses, parses the JSON and inserts one row — into the same `events` table
 * (pls's Postgres migrations, so the same indexes), through the same driver and pool size
 * (node-postgres, 10 connections) — and answers 202 after the commit. No validation, no
 * scoring, no Slack: what is left is HTTP, HMAC, JSON and one round trip with its commit.
 *
 * env: BENCH_DATABASE_URL (postgres://…), BENCH_WEBHOOK_SECRET.
 */
import { migratePostgres, openPool } from '../../src/db/postgres/client.js';
import { serveBareWebhooks } from './bare-webhook-server.js';

const pool = openPool(process.env.BENCH_DATABASE_URL!, 10);
await migratePostgres(pool);
const INSERT = `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
   values ($1, 'webhook', $2, $3, $4, $5, $6, $7, $8, $9) on conflict (id) do nothing`;

serveBareWebhooks({
  secret: process.env.BENCH_WEBHOOK_SECRET!,
  insert: async (row) => (await pool.query(INSERT, row)).rowCount ?? 0,
  close: () => pool.end(),
});
