import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { outbox } from './schema.js';

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
  /** A reply in the alert's thread. */
  | { kind: 'alert.reply'; alertId: string; text: string }
  /** A message to a channel or a user (DM by user id), optionally tied to an alert for ordering. */
  | { kind: 'message'; alertId: string | null; channel: string; text: string; notice?: boolean }
  /** Re-publish a user's App Home (rendered from state at send time). */
  | { kind: 'home'; alertId: null; userId: string };

export function createOutboxRepo(db: Db) {
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

  const laterHome = db.$client.prepare<[number, string], { seq: number }>(
    `select seq from outbox where kind = 'home' and seq > ? and json_extract(payload, '$.userId') = ?
       and sent_at is null and failed_at is null limit 1`,
  );

  return {
    /** Queues a Slack call, in the caller's transaction. */
    enqueue(message: OutboxMessage, now: number): void {
      const { kind, alertId, ...payload } = message;
      db.insert(outbox).values({ kind, alertId, payload, createdAt: now, nextAttemptAt: now }).run();
    },

    /** Unsent rows in order (due or not: a row that is not due still holds back later rows of its alert). */
    pending(limit: number): OutboxRow[] {
      return db
        .select()
        .from(outbox)
        .where(and(isNull(outbox.sentAt), isNull(outbox.failedAt)))
        .orderBy(asc(outbox.seq))
        .limit(limit)
        .all();
    },

    /**
     * Whether a later `alert.update` for the alert is waiting: updates render the current state
     * when sent, so only the last one needs to reach Slack. (Coalescing at enqueue time would be
     * wrong: the waiting row may already be in flight with an older rendering.)
     */
    supersededUpdate(alertId: string, seq: number): boolean {
      return laterUpdate.get({ alertId, seq }) !== undefined;
    },

    /** Queues a fresh App Home for each of these people (nulls and repeats skipped). */
    refreshHomes(userIds: readonly (string | null | undefined)[], now: number): void {
      for (const userId of new Set(userIds.filter((id): id is string => !!id))) {
        this.enqueue({ kind: 'home', alertId: null, userId }, now);
      }
    },

    /** Same for a user's App Home. */
    supersededHome(userId: string, seq: number): boolean {
      return laterHome.get(seq, userId) !== undefined;
    },

    markSent(seq: number, now: number): void {
      db.update(outbox).set({ sentAt: now }).where(eq(outbox.seq, seq)).run();
    },

    /** Marks every unsent row of an alert failed (its post failed for good). */
    failPendingOf(alertId: string, error: string, now: number): void {
      db.update(outbox)
        .set({ failedAt: now, lastError: error })
        .where(and(eq(outbox.alertId, alertId), isNull(outbox.sentAt), isNull(outbox.failedAt)))
        .run();
    },

    markFailed(seq: number, error: string, now: number): void {
      db.update(outbox).set({ failedAt: now, lastError: error }).where(eq(outbox.seq, seq)).run();
    },

    /** Committed before the Slack call: if the process dies during it, the next try knows to look first. */
    markAttempt(seq: number, now: number): void {
      db.update(outbox).set({ attemptedAt: now }).where(eq(outbox.seq, seq)).run();
    },

    /** `outcomeKnown`: Slack answered (with an error), so nothing was posted and no lookup is needed. */
    retryLater(seq: number, error: string, at: number, outcomeKnown: boolean): void {
      db.update(outbox)
        .set({
          attempts: sql`${outbox.attempts} + 1`,
          nextAttemptAt: at,
          lastError: error,
          ...(outcomeKnown ? { attemptedAt: null } : {}),
        })
        .where(eq(outbox.seq, seq))
        .run();
    },

    depth(): { pending: number; oldest: number | null } {
      const row = db
        .select({ n: sql<number>`count(*)`, oldest: sql<number | null>`min(${outbox.createdAt})` })
        .from(outbox)
        .where(and(isNull(outbox.sentAt), isNull(outbox.failedAt)))
        .get();
      return { pending: row?.n ?? 0, oldest: row?.oldest ?? null };
    },
  };
}

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
