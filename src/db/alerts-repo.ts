import { and, asc, desc, eq, gt, inArray, isNull, lte, ne, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { type AlertState, alertEvents, alerts, repStatus } from './schema.js';

export type AlertRow = typeof alerts.$inferSelect;

export interface QueueFilter {
  states: readonly AlertState[];
  /** Null: every team. */
  teams: readonly string[] | null;
  tier: 'hot' | 'warm' | null;
  claimedBy: string | null;
  limit: number;
  offset: number;
}
export type NewAlert = typeof alerts.$inferInsert;

/** Alerts, their audit trail, and the per-rep routing state. All writes run inside the caller's transaction. */
export function createAlertsRepo(db: Db) {
  // The lookups every processed event and every click make, prepared once.
  const byId = db
    .select()
    .from(alerts)
    .where(eq(alerts.id, sql.placeholder('id')))
    .prepare();
  const openOf = db
    .select()
    .from(alerts)
    .where(and(eq(alerts.accountId, sql.placeholder('accountId')), ne(alerts.state, 'closed')))
    .prepare();
  const latestOf = db
    .select()
    .from(alerts)
    .where(eq(alerts.accountId, sql.placeholder('accountId')))
    .orderBy(desc(alerts.openedAt))
    .limit(1)
    .prepare();
  return {
    find(id: string): AlertRow | null {
      return byId.get({ id }) ?? null;
    },

    /** The account's alert that is not closed (at most one, by the partial unique index). */
    findOpen(accountId: string): AlertRow | null {
      return openOf.get({ accountId }) ?? null;
    },

    findLatest(accountId: string): AlertRow | null {
      return latestOf.get({ accountId }) ?? null;
    },

    insert(alert: NewAlert, actor: string | null, data: Record<string, unknown>): void {
      db.insert(alerts).values(alert).run();
      this.record(alert.id, alert.openedAt, 'opened', actor, data);
    },

    update(id: string, changes: Partial<NewAlert>, now: number): void {
      db.update(alerts)
        .set({ ...changes, updatedAt: now })
        .where(eq(alerts.id, id))
        .run();
    },

    /**
     * Changes the alert only if it is still in one of `from` (compare-and-set): of two reps
     * claiming at once, exactly one update matches. True when this call made the change.
     */
    transition(id: string, from: readonly AlertState[], changes: Partial<NewAlert>, now: number): boolean {
      const result = db
        .update(alerts)
        .set({ ...changes, updatedAt: now })
        .where(and(eq(alerts.id, id), inArray(alerts.state, [...from])))
        .run();
      return result.changes === 1;
    },

    /** Unclaimed alerts whose next escalation step is due, oldest first. */
    dueEscalations(now: number, limit: number): AlertRow[] {
      return db
        .select()
        .from(alerts)
        .where(and(lte(alerts.nextEscalationAt, now), eq(alerts.state, 'open')))
        .orderBy(asc(alerts.nextEscalationAt))
        .limit(limit)
        .all();
    },

    /** Claimed alerts past their first-touch deadline whose managers were not told yet. */
    firstTouchBreaches(now: number, limit: number): AlertRow[] {
      return db
        .select()
        .from(alerts)
        .where(
          and(
            eq(alerts.state, 'claimed'),
            isNull(alerts.firstTouchBreachedAt),
            lte(alerts.firstTouchDueAt, now),
          ),
        )
        .limit(limit)
        .all();
    },

    /** Contacted alerts old enough for a back-off prompt or close. */
    contactedBefore(cutoff: number, limit: number): AlertRow[] {
      return db
        .select()
        .from(alerts)
        .where(and(eq(alerts.state, 'contacted'), lte(alerts.contactedAt, cutoff)))
        .orderBy(asc(alerts.contactedAt))
        .limit(limit)
        .all();
    },

    /**
     * Alerts that are not closed, hot before warm and by score: the queue. `total` counts every
     * match so the reply can say how many it did not show.
     */
    queue(filter: QueueFilter): { rows: AlertRow[]; total: number } {
      const where = and(
        inArray(alerts.state, [...filter.states]),
        filter.teams ? inArray(alerts.teamId, [...filter.teams]) : undefined,
        filter.tier ? eq(alerts.tier, filter.tier) : undefined,
        filter.claimedBy ? eq(alerts.claimedBy, filter.claimedBy) : undefined,
      );
      const rows = db
        .select()
        .from(alerts)
        .where(where)
        .orderBy(sql`${alerts.tier} = 'hot' desc`, desc(alerts.score), asc(alerts.openedAt))
        .limit(filter.limit)
        .offset(filter.offset)
        .all();
      const total = db.select({ n: sql<number>`count(*)` }).from(alerts).where(where).get()?.n ?? 0;
      return { rows, total };
    },

    /** Alerts raised since `since`, with how many escalation steps each fired: the SLA report's input. */
    raisedSince(since: number) {
      return db
        .select({
          alert: alerts,
          escalations: sql<number>`(select count(*) from alert_events e where e.alert_id = ${alerts.id} and e.kind = 'escalation')`,
        })
        .from(alerts)
        .where(gt(alerts.openedAt, since))
        .all();
    },

    /** Append-only audit row for a state change. */
    record(
      alertId: string,
      at: number,
      kind: string,
      actor: string | null,
      data: Record<string, unknown> = {},
    ): void {
      db.insert(alertEvents).values({ alertId, at, kind, actor, data }).run();
    },

    history(alertId: string) {
      return db
        .select()
        .from(alertEvents)
        .where(eq(alertEvents.alertId, alertId))
        .orderBy(alertEvents.seq)
        .all();
    },

    /** Alerts a rep holds that are not closed: their load against `capacity`. */
    heldBy(repId: string): number {
      const row = db
        .select({ n: sql<number>`count(*)` })
        .from(alerts)
        .where(and(eq(alerts.claimedBy, repId), sql`${alerts.state} in ('claimed', 'contacted')`))
        .get();
      return row?.n ?? 0;
    },

    isOoo(repId: string): boolean {
      return db.select().from(repStatus).where(eq(repStatus.repId, repId)).get()?.ooo ?? false;
    },

    /** Alerts suggested to the rep that opened since `since`: the round-robin's memory (a rolling window, so a new or returning rep is not flooded to catch up). */
    suggestedSince(repId: string, since: number): number {
      const row = db
        .select({ n: sql<number>`count(*)` })
        .from(alerts)
        .where(and(eq(alerts.suggestedRep, repId), gt(alerts.openedAt, since)))
        .get();
      return row?.n ?? 0;
    },

    setOoo(repId: string, ooo: boolean, now: number): void {
      db.insert(repStatus)
        .values({ repId, ooo, updatedAt: now })
        .onConflictDoUpdate({ target: repStatus.repId, set: { ooo, updatedAt: now } })
        .run();
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
export type { AlertState };
