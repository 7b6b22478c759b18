import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Notice, NoticeTarget } from '../domain/notice.js';
import { outbox } from './schema.js';
import type { Db } from './sqlite/client.js';

export type OutboxRow = typeof outbox.$inferSelect;

/**
 * What the bot must still say in Slack. Rows are written in the same transaction as the state
 * change that causes them; the sender marks each sent (or failed for good) after Slack answers.
 */
export type OutboxMessage =
  /** Post the alert's message (rendered from state at send time). */
  | { kind: 'alert.post'; alertId: string }
  /** Re-render the alert's message whole and chat.update it. */
  | { kind: 'alert.update'; alertId: string }
  /** A reply in the alert's thread, worded when queued (rows queued before notices existed). */
  | { kind: 'alert.reply'; alertId: string; text: string }
  /**
   * A message to a channel or a user (DM by user id), optionally tied to an alert for ordering:
   * notices to managers about pls itself, and rows queued before notices existed.
   */
  | { kind: 'message'; alertId: string | null; channel: string; text: string; notice?: boolean }
  /** Re-publish a user's App Home (rendered from state at send time). */
  | { kind: 'home'; alertId: null; userId: string }
  /** What happened to an alert, worded when sent (src/slack/render-notice.ts). */
  | { kind: 'notice'; alertId: string; to: NoticeTarget; notice: Notice };

/**
 * Every statement is prepared once: the SLA sweep and the event processor enqueue on their hot
 * paths, and building each call's query anew cost more than running it (BENCHMARKS.md, "Scoring").
 */
export function createOutboxRepo(
  db: Db,
  options: {
    /**
     * Called for every row queued: the app registers the sender's wake-up as an after-commit
     * hook of the unit under way (src/db/store.ts), so nothing that queues a Slack call has to
     * wake the sender itself.
     */
    onQueued?: () => void;
  } = {},
) {
  const { onQueued } = options;
  const sqlite = db.$client;
  const insertRow = sqlite.prepare<[string, string | null, string, number, number]>(
    'insert into outbox (kind, alert_id, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
  );
  const pendingRows = db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), isNull(outbox.failedAt)))
    .orderBy(asc(outbox.seq))
    .limit(sql.placeholder('limit'))
    .prepare();
  const laterUpdate = db
    .select({ seq: outbox.seq })
    .from(outbox)
    .where(
      and(
        eq(outbox.alertId, sql.placeholder('alertId')),
        eq(outbox.kind, 'alert.update'),
        gt(outbox.seq, sql.placeholder('seq')),
        isNull(outbox.sentAt),
        isNull(outbox.failedAt),
      ),
    )
    .limit(1)
    .prepare();

  const laterHome = sqlite.prepare<[number, string], { seq: number }>(
    `select seq from outbox where kind = 'home' and seq > ? and json_extract(payload, '$.userId') = ?
       and sent_at is null and failed_at is null limit 1`,
  );
  // Each change to a row is a compare-and-set on the row as its sender read it: with two
  // senders (two instances) on one row, one call goes to Slack and one answer is recorded.
  const setSent = sqlite.prepare<[number, number]>(
    'update outbox set sent_at = ? where seq = ? and sent_at is null and failed_at is null',
  );
  const failAllOf = sqlite.prepare<[number, string, string]>(
    `update outbox set failed_at = ?, last_error = ?
      where alert_id = ? and sent_at is null and failed_at is null`,
  );
  const setFailed = sqlite.prepare<[number, string, number]>(
    'update outbox set failed_at = ?, last_error = ? where seq = ? and sent_at is null and failed_at is null',
  );
  const setAttempted = sqlite.prepare<[number, number, number | null]>(
    `update outbox set attempted_at = ?
      where seq = ? and sent_at is null and failed_at is null and attempted_at is ?`,
  );
  const retryRow = sqlite.prepare<[number, string, number]>(
    'update outbox set attempts = attempts + 1, next_attempt_at = ?, last_error = ? where seq = ?',
  );
  const retryRowAnswered = sqlite.prepare<[number, string, number]>(
    'update outbox set attempts = attempts + 1, next_attempt_at = ?, last_error = ?, attempted_at = null where seq = ?',
  );
  const unsettledRow = db
    .select()
    .from(outbox)
    .where(and(eq(outbox.seq, sql.placeholder('seq')), isNull(outbox.sentAt), isNull(outbox.failedAt)))
    .prepare();
  const pausedUntil = sqlite.prepare<[], { until: number }>(
    "select until from rate_limits where scope = 'outbox'",
  );
  const pause = sqlite.prepare<[number]>(
    `insert into rate_limits (scope, until) values ('outbox', ?)
       on conflict (scope) do update set until = max(until, excluded.until)`,
  );
  const depthOf = sqlite.prepare<[], { pending: number; oldest: number | null }>(
    'select count(*) as pending, min(created_at) as oldest from outbox where sent_at is null and failed_at is null',
  );

  let enqueued = 0;

  /** Queues a Slack call, in the caller's transaction. */
  async function enqueue(message: OutboxMessage, now: number): Promise<void> {
    const { kind, alertId, ...payload } = message;
    insertRow.run(kind, alertId, JSON.stringify(payload), now, now);
    enqueued++;
    onQueued?.();
  }

  return {
    enqueue,

    /** Queues a notice about the alert for each target, in order. */
    async notify(
      alertId: string,
      notice: Notice,
      targets: readonly (NoticeTarget | null)[],
      now: number,
    ): Promise<void> {
      for (const to of targets) if (to) await enqueue({ kind: 'notice', alertId, to, notice }, now);
    },

    /**
     * A notice DMed to each manager, about pls itself (a configuration problem, a Slack call that
     * failed for good); one that cannot be sent is not reported again.
     */
    async noticeManagers(managers: readonly string[], text: string, now: number): Promise<void> {
      for (const manager of managers)
        await enqueue({ kind: 'message', alertId: null, channel: manager, text, notice: true }, now);
    },

    /**
     * How many calls this repo has queued (rolled-back ones included): the scoring thread reports
     * what each turn queued, and the sender is woken only for a turn that queued something.
     */
    enqueuedSoFar(): number {
      return enqueued;
    },

    /** Unsent rows in order (due or not: a row that is not due still holds back later rows of its alert). */
    async pending(limit: number): Promise<OutboxRow[]> {
      return pendingRows.all({ limit });
    },

    /**
     * Whether a later `alert.update` for the alert is waiting: updates render the current state
     * when sent, so only the last one needs to reach Slack. (Coalescing at enqueue time would be
     * wrong: the waiting row may already be in flight with an older rendering.)
     */
    async supersededUpdate(alertId: string, seq: number): Promise<boolean> {
      return laterUpdate.get({ alertId, seq }) !== undefined;
    },

    /** Queues a fresh App Home for each of these people (nulls and repeats skipped). */
    async refreshHomes(userIds: readonly (string | null | undefined)[], now: number): Promise<void> {
      for (const userId of new Set(userIds.filter((id): id is string => !!id))) {
        await enqueue({ kind: 'home', alertId: null, userId }, now);
      }
    },

    /** Same for a user's App Home. */
    async supersededHome(userId: string, seq: number): Promise<boolean> {
      return laterHome.get(seq, userId) !== undefined;
    },

    /** False when the row was settled already (another sender got there first). */
    async markSent(seq: number, now: number): Promise<boolean> {
      return setSent.run(now, seq).changes === 1;
    },

    /** Marks every unsent row of an alert failed (its post failed for good). */
    async failPendingOf(alertId: string, error: string, now: number): Promise<void> {
      failAllOf.run(now, error, alertId);
    },

    /** False when the row was settled already. */
    async markFailed(seq: number, error: string, now: number): Promise<boolean> {
      return setFailed.run(now, error, seq).changes === 1;
    },

    /**
     * Committed before the Slack call: if the process dies during it, the next try knows to look
     * first. A compare-and-set on the attempt the sender read (`read`): false when another sender
     * attempted or settled the row since, and this one must leave it alone.
     */
    async markAttempt(seq: number, read: number | null, now: number): Promise<boolean> {
      return setAttempted.run(now, seq, read).changes === 1;
    },

    /** `outcomeKnown`: Slack answered (with an error), so nothing was posted and no lookup is needed. */
    async retryLater(seq: number, error: string, at: number, outcomeKnown: boolean): Promise<void> {
      (outcomeKnown ? retryRowAnswered : retryRow).run(at, error, seq);
    },

    async depth(): Promise<{ pending: number; oldest: number | null }> {
      return depthOf.get() ?? { pending: 0, oldest: null };
    },

    /** The row if it is still to be sent (not sent, not failed for good); else undefined. */
    async unsettled(seq: number): Promise<OutboxRow | undefined> {
      return unsettledRow.get({ seq });
    },

    /** Until when Slack asked every instance's sender to wait (a 429's Retry-After); 0 if it did not. */
    async pausedUntil(): Promise<number> {
      return pausedUntil.get()?.until ?? 0;
    },

    /** Records a 429's pause for every instance; a pause already longer stands. */
    async pauseUntil(until: number): Promise<void> {
      pause.run(until);
    },
  };
}

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
