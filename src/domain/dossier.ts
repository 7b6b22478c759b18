import { DateTime } from 'luxon';
import type { AccountState } from './account-state.js';
import { type Firmographics, metricValue } from './scoring.js';
import { DAY, sumWithin } from './windows.js';

export type UsageTrend = 'growing' | 'stable' | 'declining' | 'new';

/** What an alert and `/pls account` show about how the account uses the product. */
export interface Dossier {
  activeUsers: number;
  signedUpAt: number | null;
  activatedAt: number | null;
  /** A `UsageTrend`; renderers take any words. */
  trend: string;
  /** Features tried that the account's plan does not include ("sso (business)"). */
  gatedFeatures: string[];
  bestTime: string | null;
}

export function dossierOf(state: AccountState, firm: Firmographics, zone: string, now: number): Dossier {
  return {
    activeUsers: metricValue('active_users_14d', state, firm, now),
    signedUpAt: state.signedUpAt,
    activatedAt: state.activatedAt,
    trend: usageTrend(state, now),
    gatedFeatures: Object.entries(state.gatedFeatures)
      .filter(([, gate]) => gate.plan !== firm.plan)
      .map(([feature, gate]) => (gate.plan ? `${feature} (${gate.plan})` : feature)),
    bestTime: bestTimeToReach(state, zone, now),
  };
}

/** Product events in the last 7 days against the 7 before: ±20 % is stable. */
export function usageTrend(state: AccountState, now: number): UsageTrend {
  const recent = sumWithin(state.dailyEvents, now, 7 * DAY, DAY);
  const before = sumWithin(state.dailyEvents, now - 7 * DAY, 7 * DAY, DAY);
  if (before === 0) return recent > 0 ? 'new' : 'stable';
  const ratio = recent / before;
  if (ratio >= 1.2) return 'growing';
  if (ratio <= 0.8) return 'declining';
  return 'stable';
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * When the account is usually active, from its own session start times, in `zone`: the busiest
 * two-hour window and the busiest days ("Tue–Thu, 14:00–16:00 America/Chicago"). Null with fewer
 * than 3 sessions: too little to say.
 */
export function bestTimeToReach(state: AccountState, zone: string, now: number): string | null {
  const total = state.hourOfWeek.reduce((a, b) => a + b, 0);
  if (total < 3) return null;
  // Re-bucket the UTC hour-of-week histogram into local weekday × hour with the zone's offset now.
  const offsetHours = Math.round(DateTime.fromMillis(now, { zone }).offset / 60);
  const byHour = new Array(24).fill(0) as number[];
  const byDay = new Array(7).fill(0) as number[];
  state.hourOfWeek.forEach((count, utcHourOfWeek) => {
    const local = (((utcHourOfWeek + offsetHours) % 168) + 168) % 168;
    byHour[local % 24]! += count;
    byDay[Math.floor(local / 24)]! += count;
  });
  // The busiest two-hour window; on a tie, the one that starts with the busier hour, so sessions
  // all at 14:xx read "14:00–16:00", not "13:00–15:00" (an hour before anyone is there).
  const pair = (h: number) => byHour[h]! + byHour[(h + 1) % 24]!;
  let bestHour = 0;
  for (let h = 0; h < 24; h++) {
    if (pair(h) > pair(bestHour) || (pair(h) === pair(bestHour) && byHour[h]! > byHour[bestHour]!))
      bestHour = h;
  }
  const busiest = Math.max(...byDay);
  const days = byDay.flatMap((count, day) => (count >= busiest * 0.6 && count > 0 ? [day] : []));
  const pad = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  return `${formatDays(days)}, ${pad(bestHour)}–${pad(bestHour + 2)} ${zone}`;
}

function formatDays(days: number[]): string {
  const contiguous = days.every((d, i) => i === 0 || d === days[i - 1]! + 1);
  if (days.length >= 3 && contiguous) return `${WEEKDAYS[days[0]!]}–${WEEKDAYS[days[days.length - 1]!]}`;
  return days.map((d) => WEEKDAYS[d]).join(', ');
}
