import { describe, expect, it } from 'vitest';
import { type AccountState, applyEvent, emptyAccountState } from '../../../src/domain/account-state.js';
import { bestTimeToReach, usageTrend } from '../../../src/domain/dossier.js';
import { DAY, MONDAY_10AM_NY, specManifest, usageEvent } from '../../support/domain-builders.js';

const NOW = MONDAY_10AM_NY;
const { signals, half_life } = specManifest().scoring;

function withEvents(list: { type: string; at: number }[], now = NOW): AccountState {
  const state = emptyAccountState();
  for (const { type, at } of list) applyEvent(state, usageEvent(type, at), signals, half_life, now);
  return state;
}

/** `recent` events spread over the last 7 days and `before` over the 7 before. */
function activity(recent: number, before: number): AccountState {
  return withEvents([
    ...Array.from({ length: recent }, (_, i) => ({ type: 'feature_used', at: NOW - ((i % 6) + 0.5) * DAY })),
    ...Array.from({ length: before }, (_, i) => ({ type: 'feature_used', at: NOW - ((i % 6) + 7.5) * DAY })),
  ]);
}

describe('usageTrend', () => {
  it('compares the last 7 days with the 7 before, ±20 % being stable', () => {
    expect(usageTrend(activity(12, 10), NOW)).toBe('growing');
    expect(usageTrend(activity(11, 10), NOW)).toBe('stable');
    expect(usageTrend(activity(10, 10), NOW)).toBe('stable');
    expect(usageTrend(activity(9, 10), NOW)).toBe('stable');
    expect(usageTrend(activity(8, 10), NOW)).toBe('declining');
    expect(usageTrend(activity(0, 10), NOW)).toBe('declining');
  });

  it('calls an account with no earlier week new, and one with no activity stable', () => {
    expect(usageTrend(activity(5, 0), NOW)).toBe('new');
    expect(usageTrend(emptyAccountState(), NOW)).toBe('stable');
  });

  it('does not count account-only events as usage', () => {
    const state = withEvents([
      { type: 'feature_used', at: NOW - 8 * DAY },
      { type: 'plan_changed', at: NOW - DAY },
      { type: 'identify', at: NOW - DAY },
    ]);
    expect(usageTrend(state, NOW)).toBe('declining');
  });
});

describe('bestTimeToReach', () => {
  const sessions = (isoTimes: string[]) =>
    withEvents(
      isoTimes.map((iso) => ({ type: 'session_started', at: Date.parse(iso) })),
      Date.parse('2026-12-31T00:00:00Z'),
    );
  const DECEMBER = Date.parse('2026-12-01T12:00:00Z');

  it('says nothing with fewer than 3 sessions', () => {
    expect(
      bestTimeToReach(sessions(['2026-11-24T19:00:00Z', '2026-11-25T19:00:00Z']), 'UTC', DECEMBER),
    ).toBeNull();
  });

  it('names the busiest two hours and the busy days in the account’s zone', () => {
    // Tue–Thu at 13:xx and 14:xx Chicago time (UTC-6 in winter).
    const state = sessions([
      '2026-11-24T19:10:00Z',
      '2026-11-24T20:10:00Z',
      '2026-11-25T19:20:00Z',
      '2026-11-25T20:20:00Z',
      '2026-11-26T19:30:00Z',
      '2026-11-26T20:30:00Z',
    ]);
    expect(bestTimeToReach(state, 'America/Chicago', DECEMBER)).toBe('Tue–Thu, 13:00–15:00 America/Chicago');
    expect(bestTimeToReach(state, 'Asia/Tokyo', DECEMBER)).toBe('Wed–Fri, 04:00–06:00 Asia/Tokyo');
  });

  it('lists days that are not consecutive one by one, and leaves out quiet days', () => {
    const state = sessions([
      '2026-11-23T15:00:00Z', // Mon
      '2026-11-23T15:30:00Z',
      '2026-11-27T15:00:00Z', // Fri
      '2026-11-27T15:30:00Z',
      '2026-11-25T15:00:00Z', // Wed, once: under 60 % of the busiest day
    ]);
    expect(bestTimeToReach(state, 'UTC', DECEMBER)).toBe('Mon, Fri, 15:00–17:00 UTC');
  });

  it('moves sessions to the local day across midnight', () => {
    // Monday 02:00 UTC is Sunday 20:00 in Chicago.
    const state = sessions(['2026-11-23T02:00:00Z', '2026-11-30T02:00:00Z', '2026-11-16T02:00:00Z']);
    expect(bestTimeToReach(state, 'America/Chicago', DECEMBER)).toBe('Sun, 20:00–22:00 America/Chicago');
  });

  it('wraps a late-evening window past midnight', () => {
    const state = sessions(['2026-11-24T23:10:00Z', '2026-11-25T23:10:00Z', '2026-11-26T23:10:00Z']);
    expect(bestTimeToReach(state, 'UTC', DECEMBER)).toBe('Tue–Thu, 23:00–01:00 UTC');
  });

  it('uses the zone’s offset at `now` (summer time)', () => {
    const state = sessions(['2026-11-24T18:00:00Z', '2026-11-25T18:00:00Z', '2026-11-26T18:00:00Z']);
    const july = Date.parse('2026-07-01T12:00:00Z');
    // 18:00 UTC is 14:00 in New York in summer (UTC-4), 13:00 in winter (UTC-5).
    expect(bestTimeToReach(state, 'America/New_York', july)).toBe('Tue–Thu, 14:00–16:00 America/New_York');
    expect(bestTimeToReach(state, 'America/New_York', DECEMBER)).toBe(
      'Tue–Thu, 13:00–15:00 America/New_York',
    );
  });
});
