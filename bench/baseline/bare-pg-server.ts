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
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { migratePostgres, openPool } from '../../src/db/postgres/client.js';

const pool = openPool(process.env.BENCH_DATABASE_URL!, 10);
await migratePostgres(pool);
const webhook = new Webhook(process.env.BENCH_WEBHOOK_SECRET!);
const INSERT = `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
   values ($1, 'webhook', $2, $3, $4, $5, $6, $7, $8, $9) on conflict (id) do nothing`;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    let status = 202;
    let answer: string;
    try {
      webhook.verify(body, req.headers as Record<string, string>, { jsonParse: false });
      const event = JSON.parse(body.toString('utf8'));
      const { id: accountId, ...account } = event.account;
      const { id: userId, ...user } = event.user ?? { id: null };
      const { rowCount } = await pool.query(INSERT, [
        event.id,
        event.type,
        accountId,
        userId,
        Date.parse(event.timestamp),
        Date.now(),
        JSON.stringify(event.properties ?? {}),
        JSON.stringify(account),
        userId ? JSON.stringify(user) : null,
      ]);
      const accepted = rowCount ?? 0;
      answer = JSON.stringify({ accepted, duplicates: 1 - accepted });
    } catch (error) {
      status = 401;
      answer = JSON.stringify({ error: (error as Error).message });
    }
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(answer),
    });
    res.end(answer);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ msg: 'bare server listening', port: (server.address() as AddressInfo).port })}\n`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
});
