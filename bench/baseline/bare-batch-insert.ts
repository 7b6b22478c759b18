/**
 * The limit of batch ingest on this design, run as its own process: better-sqlite3 inserting
 * the rows pls would store for the same `/v1/batch` feed (same messages, mapped by pls's own
 * `fromSegmentMessage`, into pls's `events` table with pls's insert statement), 500 a
 * transaction, WAL and synchronous = FULL. Only the transactions are timed: no HTTP, no JSON
 * parsing, no validation. Prints one JSON line.
 *
 * env: BENCH_DB, BENCH_FEED (JSON FeedOptions; `skip` messages are generated but not stored).
 * BENCH_PRELOAD=1: store the feed as already-processed rows instead (the history a pls that
 * has run for weeks holds), 5,000 a transaction, and time nothing.
 */
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../src/db/sqlite/client.js';
import { fromSegmentMessage, type SegmentMessage } from '../../src/ingest/segment-message.js';
import { type FeedOptions, segmentFeed } from '../load/feed.js';

const db = openDatabase(process.env.BENCH_DB!).$client;
const feed = JSON.parse(process.env.BENCH_FEED!) as FeedOptions;
const preload = process.env.BENCH_PRELOAD === '1';
const insert = db.prepare(
  `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch, processed_at)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
   on conflict (id) do nothing
   returning seq`,
);
const json = (patch: object | null) =>
  patch && Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
const storeAll = db.transaction((rows: unknown[][]) => {
  for (const row of rows) insert.get(...row);
});

let rows = 0;
let insertMs = 0;
const started = performance.now();
for (const batch of segmentFeed(preload ? { ...feed, batchSize: 5_000 } : feed)) {
  const receivedAt = Date.now();
  const mapped = batch.map((message) => {
    const event = fromSegmentMessage(message as unknown as SegmentMessage, receivedAt);
    return [
      event.id,
      event.source,
      event.type,
      event.accountId,
      event.userId,
      event.occurredAt,
      receivedAt,
      JSON.stringify(event.properties),
      json(event.account),
      json(event.user),
      preload ? receivedAt : null,
    ];
  });
  const t0 = performance.now();
  storeAll(mapped);
  insertMs += performance.now() - t0;
  rows += batch.length;
}
const wallMs = performance.now() - started;
db.close();
process.stdout.write(
  `${JSON.stringify({ msg: 'done', rows, insertSeconds: insertMs / 1000, wallSeconds: wallMs / 1000, rowsPerSecond: rows / (insertMs / 1000) })}\n`,
);
