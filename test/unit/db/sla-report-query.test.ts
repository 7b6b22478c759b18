import { beforeEach, describe, expect, it } from 'vitest';
import { type AlertsRepo, createAlertsRepo, type NewAlert } from '../../../src/db/alerts-repo.js';
import { createSlaReportQuery } from '../../../src/db/sla-report-query.js';
import { createRng } from '../../../src/domain/rng.js';
import type { ReportAlert, ReportScope } from '../../../src/domain/sla-report.js';
import { DAY, HOUR, MINUTE, MONDAY_10AM_NY as T } from '../../support/domain-builders.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-sla-query-');
let alerts: AlertsRepo;
beforeEach(async () => {
  alerts = createAlertsRepo(temp.db);
});

/** An open hot alert opened at `openedAt`, as the event processor inserts it. */
async function insert(id: string, openedAt: number, changes: Partial<NewAlert> = {}): Promise<void> {
  await alerts.insert(
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

/** What `forEachAlertRaised` hands out, copied: it refills one object per row. */
async function raised(
  since: number,
  until: number,
  scope: ReportScope = { kind: 'all' },
): Promise<ReportAlert[]> {
  const seen: ReportAlert[] = [];
  await createSlaReportQuery(temp.db).forEachAlertRaised(since, until, scope, null, (alert) =>
    seen.push({ ...alert }),
  );
  return seen;
}

describe('the SLA report query', () => {
  it('reads the alerts opened in (since, until], oldest first, as the report needs them', async () => {
    await insert('al_old', T - 10 * MINUTE);
    await insert('al_late', T + 20 * MINUTE, {
      state: 'closed',
      tier: 'warm',
      teamId: 'growth',
      trigger: { signalId: null, at: T, properties: {} },
      tierSetAt: T + 25 * MINUTE,
      suggestedRep: 'U0ANA',
      claimedBy: 'U0BEN',
      assignedBy: 'U0MGR',
      claimedAt: T + 30 * MINUTE,
      contactedAt: T + 40 * MINUTE,
      closedAt: T + 50 * MINUTE,
      outcome: 'won',
      outcomeDetail: { note: 'signed' },
      firstTouchDueAt: null,
      firstTouchBreachedAt: T + 45 * MINUTE,
    });
    await insert('al_first', T + 5 * MINUTE);
    await insert('al_future', T + 21 * MINUTE);
    for (const step of ['remind', 'escalate', null, 'reassign'])
      if (step) await alerts.recordEscalation('al_late', T + 35 * MINUTE, { step });
      else await alerts.record('al_late', T + 35 * MINUTE, 'claimed', null, {});
    await alerts.recordEscalation('al_old', T, { step: 'remind' });
    // The clocks that ran out, with whom (null: nobody held it).
    await alerts.recordLapse('al_late', T + 36 * MINUTE, 'claim', 'U0ANA', T + 35 * MINUTE);
    await alerts.recordLapse('al_late', T + 46 * MINUTE, 'first_touch', null, T + 45 * MINUTE);

    expect(await raised(T, T + 20 * MINUTE)).toEqual([
      {
        play: 'new_business',
        tier: 'hot',
        teamId: 'mid-market',
        openedAt: T + 5 * MINUTE,
        clockStart: T + 5 * MINUTE,
        claimDueAt: T + 20 * MINUTE,
        firstTouchDueAt: T + 125 * MINUTE,
        suggestedRep: null,
        claimedBy: null,
        assignedBy: null,
        claimedAt: null,
        contactedAt: null,
        closedAt: null,
        state: 'open',
        outcome: null,
        triggerSignal: 'usage_limit_hit',
        escalations: 0,
        escalatedToManagers: false,
        firstTouchBreached: false,
        lapses: [],
      },
      {
        play: 'new_business',
        tier: 'warm',
        teamId: 'growth',
        openedAt: T + 20 * MINUTE,
        clockStart: T + 25 * MINUTE,
        claimDueAt: T + 35 * MINUTE,
        firstTouchDueAt: null,
        suggestedRep: 'U0ANA',
        claimedBy: 'U0BEN',
        assignedBy: 'U0MGR',
        claimedAt: T + 30 * MINUTE,
        contactedAt: T + 40 * MINUTE,
        closedAt: T + 50 * MINUTE,
        state: 'closed',
        outcome: 'won',
        triggerSignal: null,
        escalations: 3,
        escalatedToManagers: true,
        firstTouchBreached: true,
        lapses: [
          { clock: 'claim', rep: 'U0ANA' },
          { clock: 'first_touch', rep: null },
        ],
      },
    ]);
  });

  it('reads only the alerts of a team, or those a rep claimed, when scoped', async () => {
    await insert('al_mid', T + MINUTE);
    await insert('al_ent', T + 2 * MINUTE, { teamId: 'enterprise' });
    await insert('al_ben', T + 3 * MINUTE, {
      state: 'claimed',
      claimedBy: 'U0BEN',
      claimedAt: T + 4 * MINUTE,
    });
    const openedAt = (alerts: ReportAlert[]) => alerts.map((a) => a.openedAt - T);
    expect(openedAt(await raised(T, T + HOUR))).toEqual([MINUTE, 2 * MINUTE, 3 * MINUTE]);
    expect(openedAt(await raised(T, T + HOUR, { kind: 'team', teamId: 'mid-market' }))).toEqual([
      MINUTE,
      3 * MINUTE,
    ]);
    expect(openedAt(await raised(T, T + HOUR, { kind: 'team', teamId: 'enterprise' }))).toEqual([2 * MINUTE]);
    expect(openedAt(await raised(T, T + HOUR, { kind: 'rep', repId: 'U0BEN' }))).toEqual([3 * MINUTE]);
    expect(await raised(T, T + HOUR, { kind: 'rep', repId: 'U0NOBODY' })).toEqual([]);
    // A rep's report also reads the alerts whose clock ran out with them, whoever holds them now.
    await alerts.recordLapse('al_mid', T + 20 * MINUTE, 'claim', 'U0BEN', T + 16 * MINUTE);
    expect(openedAt(await raised(T, T + HOUR, { kind: 'rep', repId: 'U0BEN' }))).toEqual([
      MINUTE,
      3 * MINUTE,
    ]);
  });

  it('tells how the first alert of the period was measured, null when there is none to ask', async () => {
    const query = createSlaReportQuery(temp.db);
    expect(await query.businessHoursSince(T)).toBeNull();
    await insert('al_before', T - MINUTE, { policy: { businessHours: true } });
    await insert('al_second', T + 2 * MINUTE, { policy: { businessHours: true } });
    await insert('al_first', T + MINUTE, { policy: { businessHours: false } });
    expect(await query.businessHoursSince(T)).toBe(false);
    expect(await query.businessHoursSince(T + MINUTE)).toBe(true);
    await insert('al_unflagged', T + 3 * MINUTE, { policy: {} }); // frozen before the flag existed
    expect(await query.businessHoursSince(T + 2 * MINUTE)).toBeNull();
  });

  it('hands out, for any period and scope, exactly the alerts as written (seeded)', async () => {
    const rng = createRng('sla-report-query');
    const written: ReportAlert[] = [];
    for (let i = 0; i < 300; i++) {
      const id = `al_${String(i).padStart(3, '0')}`;
      const openedAt = T - rng.int(0, 100) * DAY + rng.int(-HOUR, HOUR);
      const clockStart = openedAt + (rng.chance(0.2) ? rng.int(1, 2 * DAY) : 0);
      const state = rng.pick(['open', 'claimed', 'contacted', 'closed'] as const);
      const claimedAt = state === 'open' || rng.chance(0.1) ? null : clockStart + rng.int(-HOUR, DAY);
      const contactedAt =
        state === 'contacted' || (state === 'closed' && rng.chance(0.5))
          ? clockStart + rng.int(0, 3 * DAY)
          : null;
      const alert: ReportAlert = {
        play: rng.pick(['new_business', 'expansion']),
        tier: rng.pick(['hot', 'warm'] as const),
        teamId: rng.pick(['mid-market', 'enterprise', 'growth']),
        openedAt,
        clockStart,
        claimDueAt: clockStart + rng.pick([15, 240]) * MINUTE,
        firstTouchDueAt: rng.chance(0.8) ? clockStart + 2 * HOUR : null,
        suggestedRep: rng.chance(0.2) ? null : rng.pick(['U0ANA', 'U0BEN']),
        claimedBy: claimedAt === null && rng.chance(0.8) ? null : rng.pick(['U0ANA', 'U0BEN']),
        assignedBy: rng.chance(0.2) ? 'U0MGR' : null,
        claimedAt,
        contactedAt,
        closedAt: state === 'closed' ? clockStart + rng.int(0, 5 * DAY) : null,
        state,
        outcome:
          state === 'closed' ? rng.pick(['won', 'lost', 'no_response', 'not_a_fit', 'self_served']) : null,
        triggerSignal: rng.chance(0.2) ? null : rng.pick(['usage_limit_hit', 'pricing_repeat']),
        firstTouchBreached: rng.chance(0.2),
        escalations: rng.int(0, 3),
        escalatedToManagers: false,
        lapses: rng.chance(0.7)
          ? []
          : [{ clock: rng.pick(['claim', 'first_touch'] as const), rep: rng.pick([null, 'U0ANA', 'U0BEN']) }],
      };
      await insert(id, openedAt, {
        play: alert.play,
        state: alert.state,
        tier: alert.tier,
        teamId: alert.teamId,
        trigger:
          alert.triggerSignal === null
            ? { kind: 'score', at: openedAt, score: 90 }
            : { kind: 'signal', signalId: alert.triggerSignal, at: openedAt, properties: {} },
        tierSetAt: clockStart,
        claimDueAt: alert.claimDueAt,
        firstTouchDueAt: alert.firstTouchDueAt,
        suggestedRep: alert.suggestedRep,
        claimedBy: alert.claimedBy,
        assignedBy: alert.assignedBy,
        claimedAt: alert.claimedAt,
        contactedAt: alert.contactedAt,
        closedAt: alert.closedAt,
        outcome: alert.outcome,
        firstTouchBreachedAt: alert.firstTouchBreached ? clockStart + 3 * HOUR : null,
      });
      // Escalations among the alert's other events; only they count.
      // Reminders only here, and the escalate step on some: only `escalate` marks it escalated.
      for (let step = 0; step < alert.escalations; step++) {
        const escalate = step === 1 && rng.chance(0.5);
        if (escalate) alert.escalatedToManagers = true;
        await alerts.recordEscalation(id, clockStart + step, { step: escalate ? 'escalate' : 'remind' });
      }
      if (claimedAt !== null) await alerts.record(id, claimedAt, 'claimed', alert.claimedBy, {});
      for (const lapse of alert.lapses)
        await alerts.recordLapse(id, clockStart + 1, lapse.clock, lapse.rep, clockStart);
      written.push(alert);
    }

    const byOpening = (a: ReportAlert, b: ReportAlert) => a.openedAt - b.openedAt;
    const scopes: ReportScope[] = [
      { kind: 'all' },
      { kind: 'team', teamId: 'growth' },
      { kind: 'rep', repId: 'U0ANA' },
      { kind: 'rep', repId: 'U0NOBODY' },
    ];
    for (const days of [7, 30, 90])
      for (const scope of scopes) {
        const since = T - days * DAY;
        const expected = written
          .filter((a) => a.openedAt > since && a.openedAt <= T)
          .filter((a) =>
            scope.kind === 'all'
              ? true
              : scope.kind === 'team'
                ? a.teamId === scope.teamId
                : a.claimedBy === scope.repId ||
                  a.lapses.some((l) => l.rep === scope.repId) ||
                  (a.state === 'open' && a.suggestedRep === scope.repId),
          )
          .sort(byOpening);
        expect(await raised(since, T, scope)).toEqual(expected);
      }
  });
});
