import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpoint } from '../config/webhooks.js';
import type { Store } from '../db/store.js';
import type { WebhookDeliveriesRepo, WebhookDelivery } from '../db/webhook-deliveries-repo.js';

/**
 * Standard Webhooks' recommended schedule: after the first attempt fails, again in 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h — about 28 hours in all — then the delivery is failed for good.
 * A receiver down for an hour misses nothing.
 */
export const WEBHOOK_BACKOFF_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** A receiver that has not answered in this long has failed the attempt. */
const TIMEOUT_MS = 10_000;
/** An attempt's lease is its timeout and this: a row taken by a sender that died is due again after it. */
const LEASE_MARGIN_MS = 30_000;
/**
 * A delivery's marks wait for no fsync: lost in a crash, a delivery is sent again with the same
 * `webhook-id`, which receivers deduplicate on (at least once, as Standard Webhooks promises).
 */
const QUIET = { durable: false } as const;
/** Rows read per look. */
const PAGE = 100;
/** Another instance may have queued or left rows: looked for this often. */
const POLL_MS = 2_000;

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'throttled';

/**
 * What one attempt came to. `gone`: never try this row again; `throttled`: turned away before it
 * began (not counted; the lane waits); `later`: this row is not ready yet (not counted; the lane
 * goes on with other rows).
 */
export type DeliveryAnswer =
  | { ok: true }
  | { ok: false; later: true; retryAfterMs: number }
  | {
      ok: false;
      error: string;
      gone: boolean;
      retryAfterMs: number | null;
      throttled?: boolean;
      later?: false;
    };

/**
 * Where one lane of deliveries goes, besides the manifest's endpoints (which get a signed POST):
 * a CRM's write-back (src/integrations/crm-sync.ts). `key` is its rows' `url`.
 */
export interface DeliveryTarget {
  key: string;
  /** How logs name it. */
  name: string;
  deliver(row: WebhookDelivery, signal: AbortSignal): Promise<DeliveryAnswer>;
  /** How long an attempt may take before another sender may take the row again (default: the timeout and 30 s). */
  leaseMs?: number;
}

export interface WebhookSenderDeps {
  store: Store;
  deliveries: WebhookDeliveriesRepo;
  endpoints: readonly WebhookEndpoint[];
  /** Lanes that are not HTTP receivers (the CRM's). */
  targets?: readonly DeliveryTarget[];
  logger: Logger;
  now: () => number;
  /** Tests shorten it. */
  backoffMs?: readonly number[];
  timeoutMs?: number;
  /** `target`: `webhook` for the manifest's endpoints, else the lane's key (`crm:hubspot`). */
  onDelivery?: (target: string, type: string, outcome: DeliveryOutcome) => void;
}

/**
 * Sends queued webhook deliveries, apart from Slack's outbox: its own table, retries and
 * backoff, so a receiver that is down or slow never delays a Slack message, and Slack's 429
 * pause or a permanent Slack error never holds a webhook back. One lane per endpoint, one
 * request at a time in each: a failing receiver is left alone until its failed delivery is due
 * again, and never delays the others. A delivery is taken for each attempt with a
 * compare-and-set, so of several instances one sends it; a crash mid-attempt leaves it due again
 * when its lease runs out, and it is sent again with the same `webhook-id` (receivers
 * deduplicate on it, as Standard Webhooks asks of them).
 */
export function createWebhookSender(deps: WebhookSenderDeps) {
  const { store, deliveries, logger } = deps;
  const backoff = deps.backoffMs ?? WEBHOOK_BACKOFF_MS;
  const timeoutMs = deps.timeoutMs ?? TIMEOUT_MS;
  const leaseMs = timeoutMs + LEASE_MARGIN_MS;
  const endpoints = new Map<string, Omit<DeliveryTarget, 'key'>>([
    ...deps.endpoints.map((endpoint, index) => {
      const signer = new Webhook(endpoint.secret);
      return [
        endpoint.url,
        // Logs name an endpoint by its place in the manifest and its origin: paths carry tokens too.
        {
          name: `integrations.webhooks.${index} (${new URL(endpoint.url).origin})`,
          deliver: (row: WebhookDelivery, signal: AbortSignal) => post(signer, row, signal),
          leaseMs,
        },
      ] as const;
    }),
    ...(deps.targets ?? []).map((target) => [target.key, target] as const),
  ]);
  const urls = [...endpoints.keys()];
  const targetKeys = new Set((deps.targets ?? []).map((t) => t.key));
  const targetOf = (url: string) => (targetKeys.has(url) ? url.replace(/^crm:/, '') : 'webhook');
  /** Endpoints with a request under way in this instance. */
  const busy = new Set<string>();
  const lanes = new Set<Promise<void>>();
  /** Ends the requests under way when pls stops: a hung receiver must not hold the shutdown. */
  const stopping = new AbortController();
  let draining: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let poll: NodeJS.Timeout | null = null;

  function kick(): void {
    if (stopped || urls.length === 0) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drain()
      .catch((error: unknown) => logger.error({ err: error }, 'webhook drain failed'))
      .finally(() => {
        draining = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  /** Starts a lane for every endpoint with rows due and none under way; else waits for the next due row. */
  async function drain(): Promise<void> {
    const now = deps.now();
    let started = 0;
    for (const url of urls) {
      if (busy.has(url) || stopped) continue;
      const rows = await store.read(() => deliveries.due(url, now, PAGE));
      if (rows.length === 0) continue;
      started++;
      busy.add(url);
      const lane = sendInTurn(rows)
        .catch((error: unknown) =>
          logger.error({ err: error, endpoint: endpoints.get(url)!.name }, 'webhook lane failed'),
        )
        .finally(() => {
          busy.delete(url);
          lanes.delete(lane);
          kick();
        });
      lanes.add(lane);
    }
    if (started === 0 && busy.size === 0) await scheduleNext();
  }

  async function scheduleNext(): Promise<void> {
    const next = await store.read(() => deliveries.nextDueAt(urls));
    if (next === null || stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(kick, Math.max(10, next - deps.now()));
    timer.unref();
  }

  /** An endpoint's due rows, one at a time; stops at the first failure (the endpoint rests). */
  async function sendInTurn(rows: WebhookDelivery[]): Promise<void> {
    for (const row of rows) {
      if (stopped) return;
      const ok = await attempt(row);
      if (!ok) return;
    }
  }

  /** One attempt at one row; false when the receiver failed it. */
  async function attempt(row: WebhookDelivery): Promise<boolean> {
    const target = endpoints.get(row.url)!;
    const lease = {
      seq: row.seq,
      attempt: row.attempts + 1,
      until: deps.now() + (target.leaseMs ?? leaseMs),
    };
    const taken = await store.unit(() => deliveries.take(row, lease.until), QUIET);
    // Another instance has it: the rest of the lane waits (its alert's later rows must follow it).
    if (!taken) return false;
    const attempts = lease.attempt;
    const answer = await target.deliver(row, stopping.signal);
    const now = deps.now();
    if (answer.ok) {
      await store.unit(() => deliveries.sent(lease, now), QUIET);
      deps.onDelivery?.(targetOf(row.url), row.type, 'sent');
      return true;
    }
    if (answer.later) {
      await store.unit(() => deliveries.putOff(lease, now + answer.retryAfterMs, 'not ready yet'), QUIET);
      return true;
    }
    // Stopped mid-request: due again at once, for the next start (or another instance).
    if (stopping.signal.aborted) {
      await store.unit(() => deliveries.retry(lease, now, answer.error), QUIET);
      return false;
    }
    if (answer.throttled) {
      // Turned away before it began: the lane waits as long as it was told, and the attempt does not count.
      const at = now + (answer.retryAfterMs ?? backoff[0]!);
      await store.unit(async () => {
        await deliveries.putOff(lease, at, answer.error);
        await deliveries.rest(row.url, at);
      }, QUIET);
      deps.onDelivery?.(targetOf(row.url), row.type, 'throttled');
      logger.info({ endpoint: target.name, type: row.type, retryAt: at }, 'delivery throttled: waits');
      return false;
    }
    const wait = backoff[attempts - 1];
    const about = {
      endpoint: target.name,
      type: row.type,
      messageId: row.messageId,
      attempts,
      error: answer.error,
    };
    if (answer.gone || wait === undefined) {
      await store.unit(() => deliveries.failed(lease, now, answer.error), QUIET);
      deps.onDelivery?.(targetOf(row.url), row.type, 'failed');
      logger.error(
        about,
        answer.gone
          ? "delivery refused for good (a receiver's 410, a CRM's 400): dropped"
          : 'delivery failed for good',
      );
      return !answer.gone;
    }
    const at = now + Math.max(wait, answer.retryAfterMs ?? 0);
    // The endpoint rests until then, on every instance: its other rows wait with this one.
    await store.unit(async () => {
      await deliveries.retry(lease, at, answer.error);
      await deliveries.rest(row.url, at);
    }, QUIET);
    deps.onDelivery?.(targetOf(row.url), row.type, 'retry');
    logger.warn({ ...about, retryAt: at }, 'delivery failed: will retry');
    return false;
  }

  async function post(signer: Webhook, row: WebhookDelivery, signal: AbortSignal): Promise<DeliveryAnswer> {
    const sentAt = new Date(deps.now());
    try {
      const response = await fetch(row.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'pls-webhooks',
          'webhook-id': row.messageId,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signer.sign(row.messageId, sentAt, row.payload),
        },
        body: row.payload,
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { ok: true };
      return {
        ok: false,
        error: `HTTP ${response.status}`,
        gone: response.status === 410,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), deps.now()),
      };
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer in ${timeoutMs} ms`
          : stopping.signal.aborted
            ? 'pls stopped during the request'
            : causeOf(error);
      return { ok: false, error: reason, gone: false, retryAfterMs: null };
    }
  }

  return {
    kick,
    /** Sends what is due now and looks every few seconds for what other instances queued or left. */
    start(): void {
      if (poll || urls.length === 0) return;
      poll = setInterval(() => kick(), POLL_MS);
      poll.unref();
      kick();
    },
    /** Ends the requests under way (their rows are due again after their lease); nothing new starts. */
    async stop(): Promise<void> {
      stopped = true;
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      stopping.abort();
      await draining;
      await Promise.all(lanes);
    },
  };
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** `Retry-After` in seconds (or an HTTP date) as ms from now, capped at a day; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 24 * 3_600_000) : null;
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
