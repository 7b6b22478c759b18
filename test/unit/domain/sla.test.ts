import { describe, expect, it } from 'vitest';
import { dueAfter, slaDeadlines, snapshotPolicy } from '../../../src/domain/sla.js';
import { HOUR, MINUTE, specManifest } from '../../support/domain-builders.js';

const manifest = specManifest();
const team = manifest.routing.teams[0]!; // America/New_York, mon–fri 09:00–18:00
const at = (iso: string) => Date.parse(iso);

describe('snapshotPolicy', () => {
  it('freezes the tier’s targets, the team’s hours and the escalation ladder', () => {
    expect(snapshotPolicy(manifest.sla, 'hot', team.hours)).toEqual({
      tier: 'hot',
      claim: 15 * MINUTE,
      firstTouch: 2 * HOUR,
      businessHours: true,
      hours: team.hours,
      steps: [
        { at: 0.5, do: 'remind' },
        { at: 1, do: 'escalate' },
        { at: 2, do: 'reassign' },
      ],
    });
    expect(snapshotPolicy(manifest.sla, 'warm', team.hours)).toMatchObject({
      tier: 'warm',
      claim: 4 * HOUR,
      firstTouch: 24 * HOUR,
    });
  });

  it('copies the ladder, so the snapshot never shares the manifest’s list', () => {
    const policy = snapshotPolicy(manifest.sla, 'hot', team.hours);
    expect(policy.steps).not.toBe(manifest.sla.escalation);
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
  });
});

describe('slaDeadlines', () => {
  it('runs both clocks in the team’s hours when business_hours is on', () => {
    const hot = snapshotPolicy(manifest.sla, 'hot', team.hours);
    // Friday 17:50 New York: 10 min on Friday, the rest on Monday.
    expect(slaDeadlines(hot, at('2026-11-27T22:50:00Z'))).toEqual({
      claimDueAt: at('2026-11-30T14:05:00Z'), // Monday 09:05
      firstTouchDueAt: at('2026-11-30T15:50:00Z'), // Monday 10:50
    });
  });

  it('starts the clocks at the next opening for an alert raised at night', () => {
    const warm = snapshotPolicy(manifest.sla, 'warm', team.hours);
    // Tuesday 03:00 New York → claim by 13:00, first touch 24 working hours later (Thursday 15:00).
    expect(slaDeadlines(warm, at('2026-11-24T08:00:00Z'))).toEqual({
      claimDueAt: at('2026-11-24T18:00:00Z'),
      firstTouchDueAt: at('2026-11-26T20:00:00Z'),
    });
  });

  it('runs on the wall clock when business_hours is off', () => {
    const wallClock = specManifest({ sla: { business_hours: false } });
    const hot = snapshotPolicy(wallClock.sla, 'hot', team.hours);
    const saturday = at('2026-11-28T15:00:00Z');
    expect(slaDeadlines(hot, saturday)).toEqual({
      claimDueAt: saturday + 15 * MINUTE,
      firstTouchDueAt: saturday + 2 * HOUR,
    });
  });

  it('uses the manifest’s targets', () => {
    const custom = specManifest({
      sla: { business_hours: false, tiers: { hot: { claim: '5m', first_touch: '1h' } } },
    });
    const t = at('2026-11-23T15:00:00Z');
    expect(slaDeadlines(snapshotPolicy(custom.sla, 'hot', team.hours), t)).toEqual({
      claimDueAt: t + 5 * MINUTE,
      firstTouchDueAt: t + HOUR,
    });
  });
});

describe('dueAfter', () => {
  it('adds working time in the given hours, or wall-clock time', () => {
    const friday5pm = at('2026-11-27T22:00:00Z');
    expect(dueAfter({ businessHours: true }, team.hours, friday5pm, 2 * HOUR)).toBe(
      at('2026-11-30T15:00:00Z'),
    );
    expect(dueAfter({ businessHours: false }, team.hours, friday5pm, 2 * HOUR)).toBe(friday5pm + 2 * HOUR);
  });
});
