import type { OutboxRow } from '../db/outbox-repo.js';
import { ChangedMeanwhile } from '../db/store.js';
import { type CallDeps, createOutboxCalls, type Recording } from './outbox-calls.js';
import { describeFailure, failureNotice, methodOf } from './outbox-failures.js';

export interface SenderDeps extends CallDeps {
  /** Every Slack error, for metrics. */
  onError?: (method: string, error: string, permanent: boolean) => void;
  /** First retry delay; doubles per attempt up to a minute. */
  retryBaseMs?: number;
}

/**
 * Drains the outbox in order per alert: the post before its updates and thread replies, and a
 * row that failed holds back the later rows of the same alert. One drain runs at a time; a kick
 * during a drain runs another right after. A post whose outcome is unknown (a crash between
 * Slack's answer and `markSent`) is looked up before it is sent again: see `post` in src/slack/outbox-calls.ts.
 */
export function createOutboxSender(deps: SenderDeps) {
  const { outbox, alerts, logger, store } = deps;
  const { perform } = createOutboxCalls(deps);
  const retryBase = deps.retryBaseMs ?? 1000;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  /** A 429 pauses every outbox call until Retry-After has passed (Slack limits per method and app). */
  let pausedUntil = 0;

  async function drain(): Promise<void> {
    // Kicks come for rows queued and for other reasons (a poll, a wake-up from another instance):
    // a few looks again before Homes, not one per kick, or a busy instance would defer Homes for good.
    let rereads = 0;
    for (;;) {
      const now = deps.now();
      // A 429 another instance was told of pauses this one too.
      pausedUntil = Math.max(pausedUntil, await store.read(() => outbox.pausedUntil()));
      if (now < pausedUntil) {
        schedule(pausedUntil - now);
        return;
      }
      const rows = inSendingOrder(await store.read(() => outbox.pending(200)));
      const held = new Set<string>();
      let sent = 0;
      let nextDue = Number.POSITIVE_INFINITY;
      let fresh = false;
      for (const row of rows) {
        if (stopped) return;
        // Rows queued since this page was read may hold an alert: read again before the next App Home.
        if (row.kind === 'home' && again && rereads < REREADS) {
          again = false;
          rereads++;
          fresh = true;
          break;
        }
        const key = row.alertId ?? `row:${row.seq}`;
        if (held.has(key)) continue;
        if (row.nextAttemptAt > now) {
          held.add(key);
          nextDue = Math.min(nextDue, row.nextAttemptAt);
          continue;
        }
        const ok = await sendLeased(key, row);
        if (ok) sent++;
        else {
          held.add(key);
          nextDue = Math.min(nextDue, deps.now() + retryBase);
          if (deps.now() < pausedUntil) break;
        }
      }
      if (fresh) continue;
      if (sent === 0 || rows.length === 0) {
        if (Number.isFinite(nextDue)) schedule(nextDue - deps.now());
        return;
      }
    }
  }

  /**
   * Sends a row under a lease on its alert (src/db/store.ts `lease`): another instance that
   * holds the alert is sending one of its rows, so this one leaves the alert for later. Under
   * the lease the row is read again: the page it came from may be older than another
   * instance's send. True when the row is settled.
   */
  async function sendLeased(key: string, row: OutboxRow): Promise<boolean> {
    const release = await store.lease(`outbox:${key}`);
    if (!release) {
      logger.debug({ key, seq: row.seq }, LEFT_TO_ANOTHER);
      return false;
    }
    try {
      const current = await store.read(() => outbox.unsettled(row.seq));
      if (!current) return true;
      // Put off meanwhile by another instance (a failed call's backoff), or a 429 it was told of.
      const now = deps.now();
      pausedUntil = Math.max(pausedUntil, await store.read(() => outbox.pausedUntil()));
      if (current.nextAttemptAt > now || now < pausedUntil) return false;
      return await send(current);
    } finally {
      await release();
    }
  }

  /** Sends one row; true when it is settled (sent, or failed for good). */
  async function send(row: OutboxRow): Promise<boolean> {
    try {
      const record = await perform(row);
      // Not waiting for the disk: if a power loss takes this record, the attempt's outcome is
      // looked up again.
      await store.unit(() => settle(row.seq, record), { durable: false });
      return true;
    } catch (error) {
      // Another sender attempted the row since this one read it: it is theirs to settle.
      if (error instanceof ChangedMeanwhile) return false;
      const reason = describeFailure(error);
      deps.onError?.(methodOf(row), reason.text, reason.permanent);
      if (reason.permanent) {
        logger.error(
          { seq: row.seq, kind: row.kind, alertId: row.alertId, error: reason.text },
          'slack call failed for good',
        );
        await store.unit(() => reportFailure(row, reason.text), { durable: false });
        return true;
      }
      if (reason.retryAfterMs !== undefined) {
        pausedUntil = deps.now() + reason.retryAfterMs;
        // Slack limits the app, not this instance: every instance waits.
        const until = pausedUntil;
        await store.unit(() => outbox.pauseUntil(until), { durable: false });
      }
      const delay =
        reason.retryAfterMs ?? Math.min(60_000, retryBase * 2 ** row.attempts) * (0.5 + Math.random() / 2);
      logger.warn(
        { seq: row.seq, kind: row.kind, error: reason.text, retryInMs: Math.round(delay) },
        'slack call failed, will retry',
      );
      const at = Math.ceil(deps.now() + delay); // a whole millisecond: times are integers on every engine
      await store.unit(() => outbox.retryLater(row.seq, reason.text, at, reason.answered), {
        durable: false,
      });
      return false;
    }
  }

  /** Marks the row failed and, unless it was itself a failure notice, tells the managers why. */
  const reportFailure = async (row: OutboxRow, error: string): Promise<void> => {
    const now = deps.now();
    // Settled by another sender meanwhile: its answer stands.
    if (!(await outbox.markFailed(row.seq, error, now))) return;
    const payload = row.payload as { notice?: unknown };
    if (row.kind === 'message' && payload.notice === true) return;
    // An alert whose post failed for good takes its queued updates and replies with it, and the
    // managers hear about it once, not once per row.
    if (row.kind === 'alert.post' && row.alertId)
      await outbox.failPendingOf(row.alertId, 'alert_never_posted', now);
    const alert = row.alertId ? await alerts.find(row.alertId) : null;
    const text = failureNotice(row, error, {
      alertChannel: alert?.channel ?? null,
      escalationChannel: deps.escalationChannel,
    });
    if (text) await outbox.noticeManagers(deps.managers, text, now);
  };

  /**
   * The row is marked sent in the same unit as what the call's answer must record; when another
   * sender settled it first, its record stands and this one is dropped.
   */
  const settle = async (seq: number, record: Recording | undefined): Promise<void> => {
    if (!(await outbox.markSent(seq, deps.now()))) return;
    await record?.();
  };

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(
      () => {
        timer = null;
        kick();
      },
      Math.max(10, delay),
    );
    timer.unref();
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => logger.error({ err: error }, 'outbox drain failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    /** Waits for the current drain; no new one starts afterwards. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type OutboxSender = ReturnType<typeof createOutboxSender>;

/**
 * What a rep waits for first: an alert's messages and notices before App Home refreshes. A
 * Home is rendered from the database when it is sent, so sending it later shows no less; an
 * alert's own messages keep their order (only Home rows, which belong to no alert, move). On
 * Postgres a Home's render is a dozen round trips, and an alert posted behind the previous
 * alert's Home waited for them.
 */
/** How many times one drain reads again before its App Homes (see `drain`). */
const REREADS = 3;

function inSendingOrder(rows: OutboxRow[]): OutboxRow[] {
  return [...rows.filter((row) => row.kind !== 'home'), ...rows.filter((row) => row.kind === 'home')];
}

/** Logged (debug) when another instance holds the lease on an alert's messages. */
export const LEFT_TO_ANOTHER = 'another instance is sending this alert’s messages: left to it';
