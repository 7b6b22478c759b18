import { DateTime } from 'luxon';
import type { Hours } from '../../src/config/manifest.js';

const DAY = 86_400_000;

/**
 * A bench-only prototype of the business-time fix for `/pls sla`: src/domain/business-hours.ts
 * `workingTimeBetween` walks the working days between two instants, asking luxon for the zone
 * offset at every step, for every alert. Here each local day's working interval is computed
 * once for the report's period (the same luxon calendar math as `intervalOf`), with a running
 * total of working time before it; a duration is then two binary searches and a subtraction.
 */
export function createWorkingTimeIndex(hours: Hours, from: number, to: number) {
  const opens: number[] = [];
  const closes: number[] = [];
  const before: number[] = [];
  let total = 0;
  for (let day = Math.floor(from / DAY) - 2; day <= Math.floor(to / DAY) + 2; day++) {
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
    if (!hours.days.includes(weekday)) continue;
    const date = DateTime.fromMillis(day * DAY, { zone: 'UTC' });
    const at = (minute: number) =>
      DateTime.fromObject(
        { year: date.year, month: date.month, day: date.day, hour: 0, minute: 0 },
        { zone: hours.tz },
      )
        .plus({ days: Math.floor(minute / 1440) })
        .set({ hour: Math.floor((minute % 1440) / 60), minute: minute % 60 })
        .toMillis();
    const open = at(hours.from);
    const close = at(hours.to);
    opens.push(open);
    closes.push(close);
    before.push(total);
    total += close - open;
  }
  /** Working time before `t`. */
  const upTo = (t: number): number => {
    let lo = 0;
    let hi = opens.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (opens[mid]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return 0;
    return before[found]! + Math.min(t, closes[found]!) - opens[found]!;
  };
  return (start: number, end: number): number => (end <= start ? 0 : upTo(end) - upTo(start));
}
