import {
  type AlertAccount,
  type AlertRow,
  type AlertsRepo,
  decodeLapses,
  encodeLapse,
  LAPSE_KIND,
  type PlaySummary,
} from '../alerts-repo.js';
import { tableColumns } from './columns.js';
import type { PgSession } from './pg-store.js';
import { alertEvents, alerts } from './schema.js';

/**
 * Alerts, their audit trail and the per-rep routing state on Postgres: the same calls, and the
 * same compare-and-sets, as src/db/alerts-repo.ts.
 */
export function createPgAlertsRepo(db: PgSession): AlertsRepo {
  const columns = tableColumns(alerts);
  const events = tableColumns(alertEvents);
  // The alert that is not closed if there is one (at most one per play), else the newest.
  const LATEST_ORDER = "state <> 'closed' desc, opened_at desc";

  const one = async (text: string, params: unknown[]): Promise<AlertRow | null> =>
    columns.decode((await db.query(text, params)).rows[0]) as AlertRow | null;
  const ids = async (text: string, params: unknown[]): Promise<string[]> =>
    (await db.query<{ id: string }>(text, params)).rows.map((row) => row.id);
  const count = async (text: string, params: unknown[]): Promise<number> =>
    (await db.query<{ n: number }>(text, params)).rows[0]?.n ?? 0;
  const changed = async (text: string, params: unknown[]): Promise<boolean> =>
    (await db.query(text, params)).rowCount === 1;

  async function record(
    alertId: string,
    at: number,
    kind: string,
    actor: string | null,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await db.query(
      'insert into alert_events (alert_id, at, kind, actor, data) values ($1, $2, $3, $4, $5::jsonb)',
      [alertId, at, kind, actor, JSON.stringify(data)],
    );
  }

  return {
    find: (id) => one('select * from alerts where id = $1', [id]),

    async findWithAccount(id) {
      const { rows } = await db.query(
        `select a.*, c.id as "account.id", c.name as "account.name", c.domain as "account.domain",
           c.employees as "account.employees", c.country as "account.country", c.industry as "account.industry",
           c.plan as "account.plan", c.owner as "account.owner",
           (c.state ->> 'upgradeStartedAt')::bigint as "account.upgradeStartedAt"
         from alerts a left join accounts c on c.id = a.account_id where a.id = $1`,
        [id],
      );
      const row = rows[0];
      if (!row) return null;
      const account: AlertAccount | null =
        row['account.id'] === null
          ? null
          : {
              id: row['account.id'] as string,
              name: row['account.name'] as string | null,
              domain: row['account.domain'] as string | null,
              employees: row['account.employees'] as number | null,
              country: row['account.country'] as string | null,
              industry: row['account.industry'] as string | null,
              plan: row['account.plan'] as string | null,
              owner: row['account.owner'] as string | null,
              upgradeStartedAt: row['account.upgradeStartedAt'] as number | null,
            };
      return { alert: columns.decode(row) as AlertRow, account };
    },

    findOpen: (accountId, play) =>
      one("select * from alerts where account_id = $1 and play = $2 and state <> 'closed'", [
        accountId,
        play,
      ]),

    findLatest: (accountId, play) =>
      play === undefined
        ? one(`select * from alerts where account_id = $1 order by ${LATEST_ORDER} limit 1`, [accountId])
        : one(`select * from alerts where account_id = $1 and play = $2 order by ${LATEST_ORDER} limit 1`, [
            accountId,
            play,
          ]),

    async latestSummaries(accountId) {
      const { rows } = await db.query<PlaySummary>(
        `select distinct on (play) id, play, state, tier, opened_at as "openedAt", closed_at as "closedAt", outcome
           from alerts where account_id = $1 order by play, ${LATEST_ORDER}`,
        [accountId],
      );
      return rows;
    },

    async insert(alert, actor, data) {
      const params: unknown[] = [];
      await db.query(`insert into alerts ${columns.insertion(alert, params)}`, params);
      await record(alert.id, alert.openedAt, 'opened', actor, data);
    },

    async setScore(id, score) {
      await db.query('update alerts set score = $1 where id = $2', [score, id]);
    },

    async update(id, changes, now) {
      const params: unknown[] = [];
      const set = columns.assignments({ ...changes, updatedAt: now }, params);
      params.push(id);
      await db.query(`update alerts set ${set} where id = $${params.length}`, params);
    },

    async transition(read, from, changes, now) {
      const params: unknown[] = [];
      // A change in the same millisecond as the one read must still move the version on.
      const set = columns.assignments({ ...changes, updatedAt: Math.max(now, read.updatedAt + 1) }, params);
      params.push(read.id, [...from], read.claimedBy, read.updatedAt);
      const n = params.length;
      return changed(
        `update alerts set ${set}
          where id = $${n - 3} and state = any($${n - 2}::text[])
            and claimed_by is not distinct from $${n - 1} and updated_at = $${n}`,
        params,
      );
    },

    async advanceLadder(id, read, changes, now) {
      const params: unknown[] = [];
      const set = columns.assignments({ ...changes, updatedAt: now }, params);
      params.push(id, read.escalationCursor, read.nextEscalationAt);
      const n = params.length;
      return changed(
        `update alerts set ${set}
          where id = $${n - 2} and state = 'open' and escalation_cursor = $${n - 1}
            and next_escalation_at is not distinct from $${n}`,
        params,
      );
    },

    flagFirstTouchBreach: (id, now) =>
      changed(
        `update alerts set first_touch_breached_at = $1, updated_at = $1
          where id = $2 and state = 'claimed' and first_touch_breached_at is null`,
        [now, id],
      ),

    flagBackOffPrompt: (id, now) =>
      changed(
        `update alerts set back_off_prompted_at = $1, updated_at = $1
          where id = $2 and state = 'contacted' and back_off_prompted_at is null`,
        [now, id],
      ),

    async resnooze(id, expected, changes, now) {
      const params: unknown[] = [];
      const set = columns.assignments({ ...changes, updatedAt: now }, params);
      params.push(id, expected);
      const n = params.length;
      return changed(
        `update alerts set ${set}
          where id = $${n - 1} and state in ('open', 'claimed') and snoozed_until is not distinct from $${n}`,
        params,
      );
    },

    snoozesOver: (now, limit) =>
      ids(
        `select id from alerts where snoozed_until is not null and snoozed_until <= $1
          order by snoozed_until limit $2`,
        [now, limit],
      ),

    dueEscalations: (now, limit) =>
      ids(
        `select id from alerts where next_escalation_at <= $1 and state = 'open'
          order by next_escalation_at limit $2`,
        [now, limit],
      ),

    firstTouchBreaches: (now, limit) =>
      ids(
        `select id from alerts where state = 'claimed' and first_touch_breached_at is null
            and first_touch_due_at <= $1 limit $2`,
        [now, limit],
      ),

    contactedBeforeOutside: (cutoff, plays, limit) =>
      ids(
        `select id from alerts where state = 'contacted' and contacted_at <= $1 and play <> all($2::text[])
          order by contacted_at limit $3`,
        [cutoff, [...plays], limit],
      ),

    contactedBefore: (cutoff, play, limit) =>
      ids(
        `select id from alerts where state = 'contacted' and contacted_at <= $1 and play = $2
          order by contacted_at limit $3`,
        [cutoff, play, limit],
      ),

    async queue(filter) {
      const params: unknown[] = [[...filter.states]];
      const where = ['state = any($1::text[])'];
      if (filter.teams) {
        params.push([...filter.teams]);
        where.push(`team_id = any($${params.length}::text[])`);
      }
      if (filter.tier) {
        params.push(filter.tier);
        where.push(`tier = $${params.length}`);
      }
      if (filter.play) {
        params.push(filter.play);
        where.push(`play = $${params.length}`);
      }
      if (filter.claimedBy) {
        params.push(filter.claimedBy);
        where.push(`claimed_by = $${params.length}`);
      }
      const condition = where.join(' and ');
      const total = await count(`select count(*)::int as n from alerts where ${condition}`, params);
      params.push(filter.now, filter.limit, filter.offset);
      const n = params.length;
      const order =
        filter.order === 'firstTouchDue'
          ? 'first_touch_due_at asc nulls first, opened_at asc'
          : "tier = 'hot' desc, score desc, opened_at asc";
      const { rows } = await db.query(
        `select * from alerts where ${condition}
          order by (snoozed_until is not null and snoozed_until > $${n - 2}), ${order}
          limit $${n - 1} offset $${n}`,
        params,
      );
      return { rows: rows.map((row) => columns.decode(row) as AlertRow), total };
    },

    record,

    async recordLapse(alertId, at, clock, rep, due) {
      await record(alertId, at, LAPSE_KIND[clock], null, { rep, due });
      await db.query("update alerts set lapses = coalesce(lapses || ' ', '') || $1 where id = $2", [
        encodeLapse({ clock, rep }),
        alertId,
      ]);
    },

    stepsFired: (alertId, step) =>
      count(
        `select count(*)::int as n from alert_events
          where alert_id = $1 and kind = 'escalation' and data ->> 'step' = $2`,
        [alertId, step],
      ),

    async recordEscalation(alertId, at, data) {
      await record(alertId, at, 'escalation', null, data);
      await db.query(
        'update alerts set escalation_steps = escalation_steps + 1, escalated_at = coalesce(escalated_at, $1) where id = $2',
        [data.step === 'escalate' ? at : null, alertId],
      );
    },

    async lapsesOf(alertId) {
      const { rows } = await db.query<{ lapses: string | null }>('select lapses from alerts where id = $1', [
        alertId,
      ]);
      return decodeLapses(rows[0]?.lapses ?? null);
    },

    async history(alertId) {
      const { rows } = await db.query('select * from alert_events where alert_id = $1 order by seq', [
        alertId,
      ]);
      return rows.map((row) => events.decode(row)!);
    },

    heldBy: (repId) =>
      count(
        "select count(*)::int as n from alerts where claimed_by = $1 and state in ('claimed', 'contacted')",
        [repId],
      ),

    async isOoo(repId) {
      const { rows } = await db.query<{ ooo: boolean }>('select ooo from rep_status where rep_id = $1', [
        repId,
      ]);
      return rows[0]?.ooo === true;
    },

    suggestedSince: (repId, since) =>
      count('select count(*)::int as n from alerts where suggested_rep = $1 and opened_at > $2', [
        repId,
        since,
      ]),

    async repStatus() {
      const away = await db.query<{ repId: string }>('select rep_id as "repId" from rep_status where ooo');
      const held = await db.query<{ repId: string; held: number }>(
        `select claimed_by as "repId", count(*)::int as held from alerts
          where state in ('claimed', 'contacted') and claimed_by is not null group by claimed_by`,
      );
      return {
        away: new Set(away.rows.map((row) => row.repId)),
        held: new Map(held.rows.map((row) => [row.repId, row.held])),
      };
    },

    async setOoo(repId, ooo, now) {
      await db.query(
        `insert into rep_status (rep_id, ooo, updated_at) values ($1, $2, $3)
           on conflict (rep_id) do update set ooo = excluded.ooo, updated_at = excluded.updated_at`,
        [repId, ooo, now],
      );
    },
  };
}
