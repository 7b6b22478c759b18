import { type AccountOptions, createAccounts } from './accounts.js';
import { createSegmentMapper, type SegmentMessage } from './segment.js';
import { createEventIds, history, type UsageEventBody } from './traffic.js';

/**
 * The batch feed: days of product history for `accounts` accounts, as the Segment SDK would
 * send them, cut into `/v1/batch` requests of `batchSize` messages, `total` messages in all.
 * Deterministic for its options, so two processes (pls's feeder and the bare-insert baseline)
 * produce exactly the same messages.
 */
export interface FeedOptions {
  accounts: number;
  days: number;
  endAt: number;
  /** Messages in all, counting the skipped ones. */
  total: number;
  batchSize: number;
  /** Leave out the first `skip` messages (another process stored them already). */
  skip?: number;
  seed?: string;
  accountOptions?: AccountOptions;
}

export function* segmentFeed(options: FeedOptions): Generator<SegmentMessage[], void, undefined> {
  const seed = options.seed ?? 'pls-feed';
  const accounts = createAccounts(options.accounts, { seed, ...options.accountOptions });
  const mapper = createSegmentMapper();
  const skip = options.skip ?? 0;
  let sent = 0;
  let batch: SegmentMessage[] = [];
  for (const day of history(accounts, {
    days: options.days,
    endAt: options.endAt,
    seed,
    ids: createEventIds('evt_f'),
  })) {
    for (const event of day) {
      for (const message of mapper.messages(event)) {
        if (sent < skip) {
          sent++;
          continue;
        }
        batch.push(message);
        if (++sent >= options.total) {
          yield batch;
          return;
        }
        if (batch.length === options.batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Native events in `{events: [...]}` batches of `batchSize` (a signed webhook backfill). */
export function* nativeBatches(
  days: Iterable<UsageEventBody[]>,
  batchSize: number,
): Generator<UsageEventBody[], void, undefined> {
  let batch: UsageEventBody[] = [];
  for (const day of days) {
    for (const event of day) {
      batch.push(event);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
