import type { Db } from './sqlite/client.js';

/** A delivery as the sender reads it (src/integrations/webhook-sender.ts). */
export interface WebhookDelivery {
  seq: number;
  messageId: string;
  url: string;
  type: string;
  accountId: string | null;
  alertId: string | null;
  /** The body exactly as it is signed and sent. */
  payload: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
}

/** One attempt at a row, as `take` leased it: the row, the attempt's number and the lease's end. */
export interface Lease {
  seq: number;
  attempt: number;
  until: number;
}

export type NewWebhookDelivery = Pick<
  WebhookDelivery,
  'messageId' | 'url' | 'type' | 'accountId' | 'alertId' | 'payload' | 'createdAt'
>;

/**
 * Outbound webhook deliveries (table `webhook_deliveries`). Rows are queued in the unit of work
 * that made the change they tell of; the sender takes one for an attempt with a compare-and-set
 * (`take`), so of two instances that read the same due row one sends it, and a row whose sender
 * died is due again once its attempt's lease has run out.
 */
export interface WebhookDeliveriesRepo {
  enqueue(delivery: NewWebhookDelivery): Promise<void>;
  /** The endpoint's rows due at `now`, oldest due first; a row waits for its alert's earlier unsettled rows. */
  due(url: string, now: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * When the next row of these endpoints `due` would return falls due (now or later), or null
   * when none waits: a row behind an earlier unsettled row of its alert is not counted.
   */
  nextDueAt(urls: readonly string[]): Promise<number | null>;
  /** Takes `row` for one attempt (attempts + 1, due again at `leaseUntil` if nothing settles it); false when another took it first. */
  take(row: WebhookDelivery, leaseUntil: number): Promise<boolean>;
  /**
   * The attempt `take` leased settles the row; each is a compare-and-set on the attempt's number
   * and its lease, so a sender whose lease ran out (the row taken again, or put off) changes nothing.
   */
  sent(lease: Lease, now: number): Promise<void>;
  retry(lease: Lease, at: number, error: string): Promise<void>;
  /** The attempt was turned away before it began (a rate limit): due again at `at`, and not counted. */
  putOff(lease: Lease, at: number, error: string): Promise<void>;
  failed(lease: Lease, now: number, error: string): Promise<void>;
  /**
   * Puts every unsettled row of the endpoint off until `until` (a row due later keeps its time):
   * after a failure the endpoint rests, on every instance, and its other rows wait with it.
   */
  rest(url: string, until: number): Promise<void>;
  /** Rows neither sent nor failed: the metrics' depth. */
  depth(): Promise<number>;
  /**
   * Deletes up to `limit` deliveries queued before `cutoff`: retention, as for events. Any row so
   * old is settled (retries end within ~28 h) or belongs to an endpoint no longer configured,
   * which no sender reads. Says how many.
   */
  deleteExpired(cutoff: number, limit: number): Promise<number>;
  /** Rows this repository queued since it was made (in memory): a scoring turn reports its share. */
  enqueuedSoFar(): number;
}

const COLUMNS = `seq, message_id as messageId, url, type, account_id as accountId, alert_id as alertId,
  payload, created_at as createdAt, attempts, next_attempt_at as nextAttemptAt`;

/**
 * An unsettled row of the same alert and endpoint queued before `d`: `d` waits for it, so an
 * alert's events reach a receiver (and the CRM) in order even when instances share the queue.
 */
export const EARLIER_OF_ALERT = `select 1 from webhook_deliveries e
   where e.alert_id = d.alert_id and e.url = d.url and e.seq < d.seq
     and e.sent_at is null and e.failed_at is null`;

export function createWebhookDeliveriesRepo(
  db: Db,
  options: { onQueued?: () => void } = {},
): WebhookDeliveriesRepo {
  const sqlite = db.$client;
  const insert = sqlite.prepare(
    `insert into webhook_deliveries (message_id, url, type, account_id, alert_id, payload, created_at, next_attempt_at)
     values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (message_id, url) do nothing`,
  );
  const due = sqlite.prepare<[number, string, number], WebhookDelivery>(
    `select ${COLUMNS} from webhook_deliveries d
      where sent_at is null and failed_at is null and next_attempt_at <= ? and url = ?
        and not exists (${EARLIER_OF_ALERT})
      order by next_attempt_at, seq limit ?`,
  );
  const next = sqlite
    .prepare<[string], number | null>(
      `select min(next_attempt_at) from webhook_deliveries d
        where sent_at is null and failed_at is null and url in (select value from json_each(?))
          and not exists (${EARLIER_OF_ALERT})`,
    )
    .pluck(true);
  const take = sqlite.prepare<[number, number, number, number]>(
    `update webhook_deliveries set attempts = attempts + 1, next_attempt_at = ?
      where seq = ? and attempts = ? and next_attempt_at = ? and sent_at is null and failed_at is null`,
  );
  const settledBy =
    'where seq = ? and attempts = ? and next_attempt_at = ? and sent_at is null and failed_at is null';
  const sent = sqlite.prepare<[number, number, number, number]>(
    `update webhook_deliveries set sent_at = ?, last_error = null ${settledBy}`,
  );
  const retry = sqlite.prepare<[number, string, number, number, number]>(
    `update webhook_deliveries set next_attempt_at = ?, last_error = ? ${settledBy}`,
  );
  const putOff = sqlite.prepare<[number, string, number, number, number]>(
    `update webhook_deliveries set attempts = attempts - 1, next_attempt_at = ?, last_error = ? ${settledBy}`,
  );
  const failed = sqlite.prepare<[number, string, number, number, number]>(
    `update webhook_deliveries set failed_at = ?, last_error = ? ${settledBy}`,
  );
  const rest = sqlite.prepare<[number, string]>(
    `update webhook_deliveries set next_attempt_at = max(next_attempt_at, ?)
      where url = ? and sent_at is null and failed_at is null`,
  );
  const depth = sqlite
    .prepare<[], number>(
      'select count(*) from webhook_deliveries where sent_at is null and failed_at is null',
    )
    .pluck(true);
  const settled = sqlite.prepare<[number, number]>(
    `delete from webhook_deliveries where seq in (
       select seq from webhook_deliveries
        where created_at < ? order by created_at limit ?)`,
  );
  let enqueued = 0;
  return {
    async deleteExpired(cutoff, limit) {
      return settled.run(cutoff, limit).changes;
    },
    async enqueue(d) {
      insert.run(d.messageId, d.url, d.type, d.accountId, d.alertId, d.payload, d.createdAt, d.createdAt);
      enqueued++;
      options.onQueued?.();
    },
    enqueuedSoFar: () => enqueued,
    async due(url, now, limit) {
      return due.all(now, url, limit);
    },
    async nextDueAt(urls) {
      return next.get(JSON.stringify(urls)) ?? null;
    },
    async take(row, leaseUntil) {
      return take.run(leaseUntil, row.seq, row.attempts, row.nextAttemptAt).changes === 1;
    },
    async sent(lease, now) {
      sent.run(now, lease.seq, lease.attempt, lease.until);
    },
    async retry(lease, at, error) {
      retry.run(at, error.slice(0, 1000), lease.seq, lease.attempt, lease.until);
    },
    async putOff(lease, at, error) {
      putOff.run(at, error.slice(0, 1000), lease.seq, lease.attempt, lease.until);
    },
    async failed(lease, now, error) {
      failed.run(now, error.slice(0, 1000), lease.seq, lease.attempt, lease.until);
    },
    async rest(url, until) {
      rest.run(until, url);
    },
    async depth() {
      return depth.get() ?? 0;
    },
  };
}
