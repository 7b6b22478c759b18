import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AlertsRepo, createAlertsRepo, type NewAlert } from '../../../src/db/alerts-repo.js';
import { closeDatabase, type Db, openDatabase } from '../../../src/db/client.js';
import { createSlaReportQuery } from '../../../src/db/sla-report-query.js';

const MINUTE = 60_000;
const T = Date.parse('2026-11-23T15:00:00Z');

let dir: string;
let db: Db;
let alerts: AlertsRepo;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-sla-query-'));
  db = openDatabase(join(dir, 'pls.db'));
  alerts = createAlertsRepo(db);
});
afterEach(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

/** An open hot alert opened at `openedAt`, as the event processor inserts it. */
function insert(id: string, openedAt: number, changes: Partial<NewAlert> = {}): void {
  alerts.insert(
    {
      id,
      accountId: `acct_${id}`,
      state: 'open',
      tier: 'hot',
      teamId: 'mid-market',
      channel: 'C0MIDMARKET',
      trigger: { signalId: 'usage_limit_hit', at: openedAt, properties: {} },
      baseScore: 70,
      score: 80,
      openedAt,
      tierSetAt: openedAt,
      claimDueAt: openedAt + 15 * MINUTE,
      firstTouchDueAt: openedAt + 120 * MINUTE,
      policy: { tier: 'hot', businessHours: true, steps: [] },
      updatedAt: openedAt,
      ...changes,
    },
    null,
    {},
  );
}

describe('the SLA report query', () => {
  it('reads the alerts opened after `since`, oldest first, as the report needs them', () => {
    insert('al_old', T - 10 * MINUTE);
    insert('al_late', T + 20 * MINUTE, {
      state: 'closed',
      tier: 'warm',
      teamId: 'growth',
      trigger: { signalId: null, at: T, properties: {} },
      tierSetAt: T + 25 * MINUTE,
      claimedBy: 'U0BEN',
      claimedAt: T + 30 * MINUTE,
      contactedAt: T + 40 * MINUTE,
      closedAt: T + 50 * MINUTE,
      outcome: 'won',
      outcomeDetail: { note: 'signed' },
      firstTouchDueAt: null,
      firstTouchBreachedAt: T + 45 * MINUTE,
    });
    insert('al_first', T + 5 * MINUTE);
    for (const kind of ['escalation', 'escalation', 'claimed', 'escalation'])
      alerts.record('al_late', T + 35 * MINUTE, kind, null, {});
    alerts.record('al_old', T, 'escalation', null, {});

    expect(createSlaReportQuery(db).alertsRaisedSince(T)).toEqual([
      {
        id: 'al_first',
        tier: 'hot',
        teamId: 'mid-market',
        openedAt: T + 5 * MINUTE,
        clockStart: T + 5 * MINUTE,
        claimDueAt: T + 20 * MINUTE,
        firstTouchDueAt: T + 125 * MINUTE,
        claimedBy: null,
        claimedAt: null,
        contactedAt: null,
        closedAt: null,
        state: 'open',
        outcome: null,
        triggerSignal: 'usage_limit_hit',
        escalations: 0,
        firstTouchBreached: false,
      },
      {
        id: 'al_late',
        tier: 'warm',
        teamId: 'growth',
        openedAt: T + 20 * MINUTE,
        clockStart: T + 25 * MINUTE,
        claimDueAt: T + 35 * MINUTE,
        firstTouchDueAt: null,
        claimedBy: 'U0BEN',
        claimedAt: T + 30 * MINUTE,
        contactedAt: T + 40 * MINUTE,
        closedAt: T + 50 * MINUTE,
        state: 'closed',
        outcome: 'won',
        triggerSignal: null,
        escalations: 3,
        firstTouchBreached: true,
      },
    ]);
  });

  it('tells how the first alert of the period was measured, null when there is none to ask', () => {
    const query = createSlaReportQuery(db);
    expect(query.businessHoursSince(T)).toBeNull();
    insert('al_before', T - MINUTE, { policy: { businessHours: true } });
    insert('al_second', T + 2 * MINUTE, { policy: { businessHours: true } });
    insert('al_first', T + MINUTE, { policy: { businessHours: false } });
    expect(query.businessHoursSince(T)).toBe(false);
    expect(query.businessHoursSince(T + MINUTE)).toBe(true);
    insert('al_unflagged', T + 3 * MINUTE, { policy: {} }); // frozen before the flag existed
    expect(query.businessHoursSince(T + 2 * MINUTE)).toBeNull();
  });
});
