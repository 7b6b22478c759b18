import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AlertSummary } from '../domain/handoff.js';
import type { SlaLapse } from '../domain/sla.js';
import { rowDecoder } from './row-decoder.js';
import { type AlertState, accounts, alertEvents, alerts } from './schema.js';
import type { Db } from './sqlite/client.js';

export type AlertRow = typeof alerts.$inferSelect;

export interface QueueFilter {
  states: readonly AlertState[];
  /** Null: every team. */
  teams: readonly string[] | null;
  tier: 'hot' | 'warm' | null;
  /** Null: every play. */
  play: string | null;
  claimedBy: string | null;
  limit: number;
  offset: number;
  /** Hot first, then by score (the default); or the first-touch deadline soonest first. */
  order?: 'priority' | 'firstTouchDue';
  /** Alerts snoozed past this moment come last. */
  now: number;
}
export type NewAlert = typeof alerts.$inferInsert;

/** An account's latest alert of one play, only what a handoff decision reads of it (and its id). */
export type PlaySummary = AlertSummary & { id: string; play: string };

/** What escalation says and routes by about an alert's account. */
export interface AlertAccount {
  id: string;
  name: string | null;
  domain: string | null;
  employees: number | null;
  country: string | null;
  industry: string | null;
  plan: string | null;
  owner: string | null;
  /** From the scoring state (`AccountState.upgradeStartedAt`): a self-serve checkout holds the ladder. */
  upgradeStartedAt: number | null;
}

/**
 * Alerts, their audit trail, and the per-rep routing state. All writes run inside the caller's
 * transaction. Every statement the event processor and the SLA sweep run is prepared once:
 * building a query with drizzle and compiling it in SQLite on every call cost more than running
 * it (BENCHMARKS.md, findings 1 and 7).
 */
export function createAlertsRepo(db: Db) {
  const sqlite = db.$client;
  // The lookups scoring makes for every event: raw statements (see rowDecoder).
  const toAlert = rowDecoder(alerts);
  const byId = sqlite.prepare<[string]>('select * from alerts where id = ?');
  const lapsesOfAlert = sqlite
    .prepare<[string], string | null>('select lapses from alerts where id = ?')
    .pluck();
  const appendLapse = sqlite.prepare<[string, string]>(
    "update alerts set lapses = coalesce(lapses || ' ', '') || ? where id = ?",
  );
  const stepsFiredOf = sqlite
    .prepare<[string, string], number>(
      "select count(*) from alert_events where alert_id = ? and kind = 'escalation' and json_extract(data, '$.step') = ?",
    )
    .pluck();
  // A step counts; the first `escalate` step (the managers told) also stamps escalated_at.
  const countStep = sqlite.prepare<[number | null, string]>(
    'update alerts set escalation_steps = escalation_steps + 1, escalated_at = coalesce(escalated_at, ?) where id = ?',
  );
  const openOf = sqlite.prepare<[string, string]>(
    "select * from alerts where account_id = ? and play = ? and state <> 'closed'",
  );
  // The alert that is not closed if there is one (at most one per play), else the newest: scoring
  // reads both "the open alert" and "the last alert" of each play from this one row.
  const LATEST_ORDER = "state <> 'closed' desc, opened_at desc";
  const latestOf = sqlite.prepare<[string]>(
    `select * from alerts where account_id = ? order by ${LATEST_ORDER} limit 1`,
  );
  const latestOfPlay = sqlite.prepare<[string, string]>(
    `select * from alerts where account_id = ? and play = ? order by ${LATEST_ORDER} limit 1`,
  );
  // The same row per play as scoring reads it for every event: the scalars it decides on, no
  // JSON decoded, every play's in one statement.
  const latestSummariesOf = sqlite.prepare<[string], PlaySummary>(
    `select id, play, state, tier, openedAt, closedAt, outcome from (
       select id, play, state, tier, opened_at as openedAt, closed_at as closedAt, outcome,
              row_number() over (partition by play order by ${LATEST_ORDER}) as n
         from alerts where account_id = ?)
      where n = 1`,
  );
  // The account's scoring state is kilobytes of JSON: the one field escalation needs is read in
  // SQL instead of parsing it whole (an SLA step read the account twice, 30-70 µs each).
  const withAccount = db
    .select({
      alert: alerts,
      // drizzle makes the joined object null when its first column is null: the key, so only
      // when the account is missing.
      account: {
        id: accounts.id,
        name: accounts.name,
        domain: accounts.domain,
        employees: accounts.employees,
        country: accounts.country,
        industry: accounts.industry,
        plan: accounts.plan,
        owner: accounts.owner,
        upgradeStartedAt: sql<number | null>`json_extract(${accounts.state}, '$.upgradeStartedAt')`,
      },
    })
    .from(alerts)
    .leftJoin(accounts, eq(accounts.id, alerts.accountId))
    .where(eq(alerts.id, sql.placeholder('id')))
    .prepare();
  // Inserts and updates write a different set of columns at each call site: one statement per
  // set, built on first use (a few dozen at most, fixed by the code). A placeholder in `values`
  // or `set` keeps its column's encoder, so JSON columns are still stringified.
  const setScoreOf = db.$client.prepare<[number, string]>('update alerts set score = ? where id = ?');
  const insertOf = byShape((columns) => db.insert(alerts).values(placeholders<NewAlert>(columns)).prepare());
  const updateOf = byShape((columns) =>
    db
      .update(alerts)
      .set(placeholders<NewAlert>(columns))
      .where(eq(alerts.id, sql.placeholder(ALERT_ID)))
      .prepare(),
  );
  const transitionOf = byShape((shape) => {
    const [from, columns] = shape.split('|') as [string, string];
    return db
      .update(alerts)
      .set(placeholders<NewAlert>(columns))
      .where(
        and(
          eq(alerts.id, sql.placeholder(ALERT_ID)),
          inArray(alerts.state, from.split(',') as AlertState[]),
          // The row as the caller read it: same holder, and no change since (its version stamp).
          sql`${alerts.claimedBy} is ${sql.placeholder(READ_HOLDER)}`,
          sql`${alerts.updatedAt} = ${sql.placeholder(READ_AT)}`,
        ),
      )
      .prepare();
  });
  // The ladder's compare-and-set: the alert still open, its cursor and due time as read.
  const ladderOf = byShape((columns) =>
    db
      .update(alerts)
      .set(placeholders<NewAlert>(columns))
      .where(
        and(
          eq(alerts.id, sql.placeholder(ALERT_ID)),
          eq(alerts.state, 'open'),
          eq(alerts.escalationCursor, sql.placeholder(CURSOR)),
          sql`${alerts.nextEscalationAt} is ${sql.placeholder(NEXT_AT)}`,
        ),
      )
      .prepare(),
  );
  const flagFirstTouch = sqlite.prepare<[number, number, string]>(
    `update alerts set first_touch_breached_at = ?, updated_at = ?
     where id = ? and state = 'claimed' and first_touch_breached_at is null`,
  );
  const flagBackOff = sqlite.prepare<[number, number, string]>(
    `update alerts set back_off_prompted_at = ?, updated_at = ?
     where id = ? and state = 'contacted' and back_off_prompted_at is null`,
  );
  // Every state change writes one: raw, a third of what the same insert costs through drizzle.
  const recordRow = sqlite.prepare<[string, number, string, string | null, string]>(
    'insert into alert_events (alert_id, at, kind, actor, data) values (?, ?, ?, ?, ?)',
  );
  const historyOf = db
    .select()
    .from(alertEvents)
    .where(eq(alertEvents.alertId, sql.placeholder('alertId')))
    .orderBy(alertEvents.seq)
    .prepare();

  // The sweep's candidates, as ids only: each action re-reads its alert in its own savepoint.
  // Each has a partial index made for it, named because without statistics SQLite prefers the
  // equality on `state` (alerts_state): every open alert read and sorted, 3 ms a sweep at
  // 10,000 open alerts instead of a few µs.
  const dueEscalationIds = sqlite
    .prepare<[number, number], string>(
      `select id from alerts indexed by alerts_next_escalation
        where next_escalation_at <= ? and state = 'open' order by next_escalation_at limit ?`,
    )
    .pluck();
  const snoozesOverIds = sqlite
    .prepare<[number, number], string>(
      `select id from alerts indexed by alerts_snoozed
        where snoozed_until is not null and snoozed_until <= ? order by snoozed_until limit ?`,
    )
    .pluck();
  const firstTouchBreachIds = sqlite
    .prepare<[number, number], string>(
      `select id from alerts indexed by alerts_first_touch_due
        where state = 'claimed' and first_touch_breached_at is null and first_touch_due_at <= ? limit ?`,
    )
    .pluck();
  const contactedBeforeIds = sqlite
    .prepare<[number, string, number], string>(
      `select id from alerts indexed by alerts_contacted
        where state = 'contacted' and contacted_at <= ? and play = ? order by contacted_at limit ?`,
    )
    .pluck();

  const contactedOutsideIds = sqlite
    .prepare<[number, string, number], string>(
      `select id from alerts indexed by alerts_contacted
        where state = 'contacted' and contacted_at <= ? and play not in (select value from json_each(?))
        order by contacted_at limit ?`,
    )
    .pluck();

  const heldByRep = sqlite
    .prepare<[string], number>(
      `select count(*) from alerts where claimed_by = ? and state in ('claimed', 'contacted')`,
    )
    .pluck();
  const oooOf = sqlite.prepare<[string], number>('select ooo from rep_status where rep_id = ?').pluck();
  const suggestedToRep = sqlite
    .prepare<[string, number], number>(
      'select count(*) from alerts where suggested_rep = ? and opened_at > ?',
    )
    .pluck();
  // Whether reps are away and what they hold, for every rep at once (asked per rep and per look,
  // these were routing's N+1). Holding is counted in one pass over the `alerts_held` index (the
  // held alerts only); joining the counts to a list of reps in SQL (json_each) cost ten times as
  // much, in temporary b-trees.
  const heldByEach = sqlite.prepare<[], { repId: string; held: number }>(
    `select claimed_by as repId, count(*) as held from alerts indexed by alerts_held
      where state in ('claimed', 'contacted') and claimed_by is not null group by claimed_by`,
  );
  const awayReps = sqlite.prepare<[], string>('select rep_id from rep_status where ooo = 1').pluck();
  const setOooOf = sqlite.prepare<[string, number, number]>(
    `insert into rep_status (rep_id, ooo, updated_at) values (?, ?, ?)
       on conflict (rep_id) do update set ooo = excluded.ooo, updated_at = excluded.updated_at`,
  );
  return {
    async find(id: string): Promise<AlertRow | null> {
      return toAlert(byId.get(id));
    },

    /** The alert and what escalation needs of its account (null when the account is gone). */
    async findWithAccount(id: string): Promise<{ alert: AlertRow; account: AlertAccount | null } | null> {
      return withAccount.get({ id }) ?? null;
    },

    /** The account's alert of the play that is not closed (at most one, by the partial unique index). */
    async findOpen(accountId: string, play: string): Promise<AlertRow | null> {
      return toAlert(openOf.get(accountId, play));
    },

    /** The account's alert (of the play, when named) that is not closed, else its newest one. */
    async findLatest(accountId: string, play?: string): Promise<AlertRow | null> {
      return toAlert(play === undefined ? latestOf.get(accountId) : latestOfPlay.get(accountId, play));
    },

    /** `findLatest`'s alert of each play the account has had one of, as a handoff decision reads it. */
    async latestSummaries(accountId: string): Promise<PlaySummary[]> {
      return latestSummariesOf.all(accountId);
    },

    async insert(alert: NewAlert, actor: string | null, data: Record<string, unknown>): Promise<void> {
      insertOf(columnsOf(alert)).run(alert);
      await this.record(alert.id, alert.openedAt, 'opened', actor, data);
    },

    /**
     * The open alert's score as scoring last saw it: the one write that does not move the
     * alert's version (`updatedAt`), so a click or a sweep that read the alert before it still
     * matches its compare-and-set. Last writer wins, as it should for a measurement.
     */
    async setScore(id: string, score: number): Promise<void> {
      setScoreOf.run(score, id);
    },

    async update(id: string, changes: Partial<NewAlert>, now: number): Promise<void> {
      const values = { ...changes, updatedAt: now };
      updateOf(columnsOf(values)).run({ ...values, [ALERT_ID]: id });
    },

    /**
     * Changes the alert only if it is still as the caller read it (compare-and-set): in one of
     * `from`, held by the same rep, and unchanged since (`updatedAt`, which every write sets). Of
     * two reps claiming at once, or a claim and a manager's assignment, exactly one update
     * matches. True when this call made the change.
     */
    async transition(
      read: Pick<AlertRow, 'id' | 'claimedBy' | 'updatedAt'>,
      from: readonly AlertState[],
      changes: Partial<NewAlert>,
      now: number,
    ): Promise<boolean> {
      // A change in the same millisecond as the one read must still move the version on.
      const values = { ...changes, updatedAt: Math.max(now, read.updatedAt + 1) };
      const result = transitionOf(`${from.join(',')}|${columnsOf(values)}`).run({
        ...values,
        [ALERT_ID]: read.id,
        [READ_HOLDER]: read.claimedBy,
        [READ_AT]: read.updatedAt,
      });
      return result.changes === 1;
    },

    /**
     * Moves the escalation ladder (or holds it, `nextEscalationAt` only): a compare-and-set on the
     * cursor and due time the caller read, on an alert still open. Of two sweeps that read the
     * same step, exactly one fires it. True when this call made the change.
     */
    async advanceLadder(
      id: string,
      read: { escalationCursor: number; nextEscalationAt: number | null },
      changes: Partial<NewAlert>,
      now: number,
    ): Promise<boolean> {
      const values = { ...changes, updatedAt: now };
      const result = ladderOf(columnsOf(values)).run({
        ...values,
        [ALERT_ID]: id,
        [CURSOR]: read.escalationCursor,
        [NEXT_AT]: read.nextEscalationAt,
      });
      return result.changes === 1;
    },

    /** Flags a claimed alert's missed first touch, once: false when it was flagged (or changed) already. */
    async flagFirstTouchBreach(id: string, now: number): Promise<boolean> {
      return flagFirstTouch.run(now, now, id).changes === 1;
    },

    /** Marks a contacted alert's claimer as prompted for an outcome, once. */
    async flagBackOffPrompt(id: string, now: number): Promise<boolean> {
      return flagBackOff.run(now, now, id).changes === 1;
    },

    /**
     * Snoozes or ends a snooze: a compare-and-set on the snooze the caller read, on an alert still
     * open or claimed. False when another change got there first.
     */
    async resnooze(
      id: string,
      expected: number | null,
      changes: Partial<NewAlert>,
      now: number,
    ): Promise<boolean> {
      const result = db
        .update(alerts)
        .set({ ...changes, updatedAt: now })
        .where(
          and(
            eq(alerts.id, id),
            inArray(alerts.state, ['open', 'claimed']),
            expected === null ? isNull(alerts.snoozedUntil) : eq(alerts.snoozedUntil, expected),
          ),
        )
        .run();
      return result.changes === 1;
    },

    /** Ids of alerts whose snooze is over and whose people were not told yet. */
    async snoozesOver(now: number, limit: number): Promise<string[]> {
      return snoozesOverIds.all(now, limit);
    },

    /** Ids of unclaimed alerts whose next escalation step is due, oldest first. */
    async dueEscalations(now: number, limit: number): Promise<string[]> {
      return dueEscalationIds.all(now, limit);
    },

    /** Ids of claimed alerts past their first-touch deadline whose managers were not told yet. */
    async firstTouchBreaches(now: number, limit: number): Promise<string[]> {
      return firstTouchBreachIds.all(now, limit);
    },

    /** Ids of contacted alerts old enough for a back-off prompt or close, oldest first. */
    async contactedBefore(cutoff: number, play: string, limit: number): Promise<string[]> {
      return contactedBeforeIds.all(cutoff, play, limit);
    },

    /** The same, for alerts of plays other than `plays` (plays since removed from the manifest). */
    async contactedBeforeOutside(cutoff: number, plays: readonly string[], limit: number): Promise<string[]> {
      return contactedOutsideIds.all(cutoff, JSON.stringify(plays), limit);
    },

    /**
     * Alerts that are not closed, hot before warm and by score: the queue. `total` counts every
     * match so the reply can say how many it did not show.
     */
    async queue(filter: QueueFilter): Promise<{ rows: AlertRow[]; total: number }> {
      const where = and(
        inArray(alerts.state, [...filter.states]),
        filter.teams ? inArray(alerts.teamId, [...filter.teams]) : undefined,
        filter.tier ? eq(alerts.tier, filter.tier) : undefined,
        filter.play ? eq(alerts.play, filter.play) : undefined,
        filter.claimedBy ? eq(alerts.claimedBy, filter.claimedBy) : undefined,
      );
      const rows = db
        .select()
        .from(alerts)
        .where(where)
        .orderBy(
          // Snoozed alerts stay listed, below the others.
          sql`${alerts.snoozedUntil} is not null and ${alerts.snoozedUntil} > ${filter.now}`,
          ...(filter.order === 'firstTouchDue'
            ? [asc(alerts.firstTouchDueAt), asc(alerts.openedAt)]
            : [sql`${alerts.tier} = 'hot' desc`, desc(alerts.score), asc(alerts.openedAt)]),
        )
        .limit(filter.limit)
        .offset(filter.offset)
        .all();
      const total = db.select({ n: sql<number>`count(*)` }).from(alerts).where(where).get()?.n ?? 0;
      return { rows, total };
    },

    /** Append-only audit row for a state change. */
    async record(
      alertId: string,
      at: number,
      kind: string,
      actor: string | null,
      data: Record<string, unknown> = {},
    ): Promise<void> {
      recordRow.run(alertId, at, kind, actor, JSON.stringify(data));
    },

    /**
     * An SLA clock ran out: `claim_lapsed` (the alert was not claimed in time) or
     * `first_touch_breached` (claimed, not contacted in time), with the rep who held the clock
     * then — the suggested rep, or the claimer — or null when nobody did. `/pls sla` counts each
     * against the team and that rep, whoever holds the alert later.
     */
    async recordLapse(
      alertId: string,
      at: number,
      clock: 'claim' | 'first_touch',
      rep: string | null,
      due: number,
    ): Promise<void> {
      recordRow.run(alertId, at, LAPSE_KIND[clock], null, JSON.stringify({ rep, due }));
      appendLapse.run(encodeLapse({ clock, rep }), alertId);
    },

    /** How many times the ladder fired `step` on the alert (its audit rows). */
    async stepsFired(alertId: string, step: string): Promise<number> {
      return stepsFiredOf.get(alertId, step) ?? 0;
    },

    /** An escalation step fired: its audit row, and the alert's count of steps (/pls sla). */
    async recordEscalation(
      alertId: string,
      at: number,
      data: { step: string } & Record<string, unknown>,
    ): Promise<void> {
      recordRow.run(alertId, at, 'escalation', null, JSON.stringify(data));
      countStep.run(data.step === 'escalate' ? at : null, alertId);
    },

    /** The SLA lapses on record for the alert, oldest first. */
    async lapsesOf(alertId: string): Promise<readonly SlaLapse[]> {
      return decodeLapses(lapsesOfAlert.get(alertId) ?? null);
    },

    async history(alertId: string) {
      return historyOf.all({ alertId });
    },

    /** Alerts a rep holds that are not closed: their load against `capacity`. */
    async heldBy(repId: string): Promise<number> {
      return heldByRep.get(repId) ?? 0;
    },

    async isOoo(repId: string): Promise<boolean> {
      return oooOf.get(repId) === 1;
    },

    /** Alerts suggested to the rep that opened since `since`: the round-robin's memory (a rolling window, so a new or returning rep is not flooded to catch up). */
    async suggestedSince(repId: string, since: number): Promise<number> {
      return suggestedToRep.get(repId, since) ?? 0;
    },

    /** `isOoo` and `heldBy` for every rep at once: who is out of office, and what each rep holds. */
    async repStatus(): Promise<{ away: Set<string>; held: Map<string, number> }> {
      return {
        away: new Set(awayReps.all()),
        held: new Map(heldByEach.all().map((row) => [row.repId, row.held])),
      };
    },

    async setOoo(repId: string, ooo: boolean, now: number): Promise<void> {
      setOooOf.run(repId, ooo ? 1 : 0, now);
    },
  };
}

/** The `where` placeholder of updates: a name no column of `alerts` has. */
const ALERT_ID = '$alertId';
const CURSOR = '$cursor';
const READ_HOLDER = '$readHolder';
const READ_AT = '$readAt';
const NEXT_AT = '$nextAt';

/**
 * The columns a write sets, as the key of its statement (keys left undefined are not written, as
 * drizzle does). Not sorted: the order is each call site's, and at worst a set gets two statements.
 * A null is part of the shape (`column=null`): a placeholder keeps its column's encoder, which
 * would store a JSON column's null as the string 'null'.
 */
function columnsOf(values: Record<string, unknown>): string {
  let columns = '';
  for (const column in values) {
    if (values[column] === undefined) continue;
    const entry = values[column] === null ? `${column}${NULL}` : column;
    columns += columns ? `,${entry}` : entry;
  }
  return columns;
}

const NULL = '=null';

/** `{ column: placeholder }` for each column of a shape (SQL null for the ones set to null). */
function placeholders<T>(columns: string): T {
  return Object.fromEntries(
    columns
      .split(',')
      .map((column) =>
        column.endsWith(NULL)
          ? [column.slice(0, -NULL.length), sql`null`]
          : [column, sql.placeholder(column)],
      ),
  ) as T;
}

/** A statement per shape, prepared the first time that shape is written. */
function byShape<T>(prepare: (shape: string) => T): (shape: string) => T {
  const statements = new Map<string, T>();
  return (shape) => {
    let statement = statements.get(shape);
    if (!statement) {
      statement = prepare(shape);
      statements.set(shape, statement);
    }
    return statement;
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;

const NO_LAPSES: readonly SlaLapse[] = Object.freeze([]);

/**
 * The encoding of `alerts.lapses`, in one place: "claim_lapsed:U0ANA first_touch_breached:"
 * (an empty rep: nobody held the clock), entries separated by spaces, kinds as the audit rows
 * name them. The `/pls sla` query's rep filter looks for `:U0ANA ` in it, and migration 0013's
 * backfill writes it.
 */
export const LAPSE_KIND = { claim: 'claim_lapsed', first_touch: 'first_touch_breached' } as const;

export function encodeLapse(lapse: SlaLapse): string {
  return `${LAPSE_KIND[lapse.clock]}:${lapse.rep ?? ''}`;
}

/** `alerts.lapses` as the lapses it lists, oldest first. */
export function decodeLapses(encoded: string | null): readonly SlaLapse[] {
  if (encoded === null || encoded === '') return NO_LAPSES;
  return encoded.split(' ').map((entry) => {
    const rep = entry.slice(entry.indexOf(':') + 1);
    return {
      clock: entry.startsWith(LAPSE_KIND.claim) ? 'claim' : 'first_touch',
      rep: rep === '' ? null : rep,
    };
  });
}
export type { AlertState };
