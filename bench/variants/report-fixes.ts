import { IANAZone } from 'luxon';
import type { AlertsRepo } from '../../src/db/alerts-repo.js';
import type { Db } from '../../src/db/client.js';

/**
 * Bench-only prototypes of the two fixes for `/pls sla` at 10,000 alerts.
 *
 * 1. **Zone offsets cached.** src/domain/business-hours.ts caches each day's working interval,
 *    but `localDay` still asks luxon for the zone's UTC offset on every call, and luxon answers
 *    through `Intl.DateTimeFormat#formatToParts` (~20 µs). Offsets only change at transitions,
 *    which fall on quarter hours, so one lookup per zone and quarter hour gives the same answer.
 *    The fix in src: the same memo inside `localDay` (or a per-zone table of transitions).
 * 2. **A lean `raisedSince`.** The repository maps every column of every alert through drizzle
 *    (JSON-parsing `policy`, `trigger` and `outcome_detail` for each row) although the report
 *    reads a dozen scalars and the trigger's `signalId`: one prepared statement that selects just
 *    those (with `json_extract`) returns the same report input.
 */
/** Returns the function that puts luxon back as it was (the bench process runs other figures after). */
export function cacheZoneOffsets(limit = 200_000): () => void {
  const original = IANAZone.prototype.offset;
  const memo = new Map<string, number>();
  IANAZone.prototype.offset = function offset(this: IANAZone, ts: number): number {
    const key = `${this.name}|${Math.floor(ts / 900_000)}`;
    let value = memo.get(key);
    if (value === undefined) {
      value = original.call(this, ts);
      if (memo.size >= limit) memo.clear();
      memo.set(key, value);
    }
    return value;
  };
  return () => {
    IANAZone.prototype.offset = original;
  };
}

export function useLeanRaisedSince(db: Db, alerts: AlertsRepo): void {
  const statement = db.$client.prepare(
    `select a.id, a.tier, a.team_id as teamId, a.opened_at as openedAt, a.tier_set_at as tierSetAt,
       a.claim_due_at as claimDueAt, a.first_touch_due_at as firstTouchDueAt, a.claimed_by as claimedBy,
       a.claimed_at as claimedAt, a.contacted_at as contactedAt, a.closed_at as closedAt, a.state, a.outcome,
       json_extract(a.trigger, '$.signalId') as signalId, a.first_touch_breached_at as firstTouchBreachedAt,
       (select count(*) from alert_events e where e.alert_id = a.id and e.kind = 'escalation') as escalations
     from alerts a where a.opened_at > ?`,
  );
  alerts.raisedSince = ((since: number) =>
    (
      statement.all(since) as ({ signalId: string | null; escalations: number } & Record<string, unknown>)[]
    ).map(({ signalId, escalations, ...alert }) => ({
      alert: { ...alert, trigger: { signalId } },
      escalations,
    }))) as unknown as AlertsRepo['raisedSince'];
}
