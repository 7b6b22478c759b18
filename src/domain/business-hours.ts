import { IANAZone } from 'luxon';
import type { Hours } from './definition.js';
import { DAY } from './windows.js';

/**
 * Working-hours arithmetic in a team's or rep's own time zone. `days` are luxon weekdays
 * (1 = Monday); `from`/`to` are minutes since local midnight (`to` may be 1440, midnight).
 *
 * A local time becomes an instant by one rule: **the first instant at which the zone's wall clock
 * reads that time or later**. So an ordinary time is its one instant; a repeated time (autumn,
 * 01:30 on 2026-11-01 in New York) is the earlier of its two instants; and a time that does not
 * exist (spring, 02:30 on 2026-03-08 in New York, or 00:00 on the day Santiago, Beirut or Havana
 * spring forward) is the instant the gap ends (03:00 EDT; 01:00 local). Put another way, the
 * working day follows a wall clock that jumps over a gap and holds still through a repeated hour.
 *
 * For a repeated time this agrees with Temporal's `disambiguation: 'compatible'`, but not for a
 * skipped one, which Temporal and luxon move forward by the length of the gap (02:30 → 03:30 EDT).
 * That runs backwards inside the gap (02:59 → 03:59 EDT, 03:00 → 03:00 EDT), so hours of
 * 02:30–03:00 made a day that closed before it opened: negative totals, and a walk stuck on that
 * day until its guard ran out. Ours never maps a later local time to an earlier instant, so each
 * day's interval [open, close) has open ≤ close, and days follow one another without overlapping
 * (a day wholly inside a DST gap is empty). 24:00 on one day is the same instant as 00:00 on the
 * next, so a round-the-clock team's clock never stops, even where midnight repeats (Havana).
 *
 * Each local day's working interval is computed once and cached: the SLA report converts
 * thousands of durations, and a fresh computation per step costs ~100 µs against ~6 µs for a
 * cached lookup.
 */
const MINUTE = 60_000;

interface Interval {
  open: number;
  close: number;
}

const cache = new Map<string, Interval | null>();
const CACHE_LIMIT = 50_000;

/**
 * The zone's UTC offset at `at`, in milliseconds. Asking luxon costs an Intl format of the
 * instant (a fifth of an SLA sweep's time, measured); offsets change only at transitions, which
 * the tz database puts on quarter hours of UTC, so one answer per zone and quarter hour is kept.
 */
function offsetAt(zone: IANAZone, at: number): number {
  const key = `${zone.name}|${Math.floor(at / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size >= CACHE_LIMIT) offsets.clear();
    offset = zone.offset(at) * MINUTE;
    offsets.set(key, offset);
  }
  return offset;
}

const QUARTER_HOUR = 15 * 60_000;
const offsets = new Map<string, number>();

/**
 * The first instant at which the zone's wall clock reads `wall` or later. `wall` is a local date
 * and time written as milliseconds, as if the zone were UTC.
 */
function instantOf(zone: IANAZone, wall: number): number {
  // The offsets in force a day either side bound the ones that can apply (as Temporal does).
  const before = offsetAt(zone, wall - DAY);
  const after = offsetAt(zone, wall + DAY);
  // The larger offset gives the earlier instant: in a repeated hour both are valid, take that one.
  const early = wall - Math.max(before, after);
  const late = wall - Math.min(before, after);
  if (offsetAt(zone, early) === Math.max(before, after)) return early;
  if (offsetAt(zone, late) === Math.min(before, after)) return late;
  // In a gap: the clock reads less than `wall` at `early` and more at `late`, so the transition
  // is between them; find its first instant (to the millisecond, ~22 steps, once per cached day).
  let low = early;
  let high = late;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (middle + offsetAt(zone, middle) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

/** The local calendar day (days since 1970-01-01 in the zone) whose date the clock shows at `at`. */
function localDay(hours: Hours, at: number): number {
  return Math.floor((at + offsetAt(IANAZone.create(hours.tz), at)) / DAY);
}

/** The working interval of a local day, or null on a day off. */
function intervalOf(hours: Hours, day: number): Interval | null {
  const key = `${hours.tz}|${hours.days.join(',')}|${hours.from}|${hours.to}|${day}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
  let interval: Interval | null = null;
  if (hours.days.includes(weekday)) {
    const zone = IANAZone.create(hours.tz);
    interval = {
      open: instantOf(zone, day * DAY + hours.from * MINUTE),
      close: instantOf(zone, day * DAY + hours.to * MINUTE),
    };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, interval);
  return interval;
}

/**
 * The working interval that contains `at`, or null. That is its local day's, except after a clock
 * has fallen back across midnight, from the new day into the old one (St John's did, from 00:01 to
 * 23:01, until 2011): the clock shows the evening before a second time, but the new day opened
 * at the first midnight. (Santiago and Beirut fall back from 24:00 to 23:00, so their midnight comes
 * once, after the repeated hour, and the old day simply lasts 25 hours.)
 */
function intervalAt(hours: Hours, at: number): Interval | null {
  const day = localDay(hours, at);
  for (let d = day; d <= day + 1; d++) {
    const interval = intervalOf(hours, d);
    if (interval && at >= interval.open && at < interval.close) return interval;
  }
  return null;
}

export function isWithinHours(hours: Hours, at: number): boolean {
  return intervalAt(hours, at) !== null;
}

/** The start of the working interval that contains `at`, or of the next one. */
export function nextOpening(hours: Hours, at: number): number {
  const today = localDay(hours, at);
  // Two weeks and a day: a weekly schedule's only day can be empty (wholly inside a gap) once.
  for (let i = 0; i < 15; i++) {
    const interval = intervalOf(hours, today + i);
    // An empty day is no opening: returning it would leave the walks below stuck on it.
    if (!interval || interval.close <= interval.open) continue;
    if (at >= interval.open && at < interval.close) return at;
    if (interval.open >= at) return interval.open;
  }
  return at; // no working days at all: the schema forbids it, but never loop
}

/** The close of the working interval that contains `at` (which must be inside one). */
function closeOf(hours: Hours, at: number): number {
  return intervalAt(hours, at)?.close ?? at;
}

/**
 * `at` plus `duration` of working time: the clock runs only inside `hours`. A clock started
 * outside hours begins at the next opening. Used for SLA deadlines when `business_hours` is on.
 */
export function addWorkingTime(hours: Hours, at: number, duration: number): number {
  let remaining = duration;
  let cursor = nextOpening(hours, at);
  for (let guard = 0; guard < 3660; guard++) {
    const closes = closeOf(hours, cursor);
    const available = closes - cursor;
    if (remaining <= available) return cursor + remaining;
    remaining -= available;
    cursor = nextOpening(hours, closes);
  }
  return cursor + remaining;
}

/**
 * Working time between two instants (for reporting time-to-claim in business minutes), by walking
 * the working days in between. `createWorkingTimeIndex` answers the same for many durations.
 */
export function workingTimeBetween(hours: Hours, start: number, end: number): number {
  let total = 0;
  let cursor = nextOpening(hours, start);
  for (let guard = 0; guard < 3660 && cursor < end; guard++) {
    const closes = closeOf(hours, cursor);
    total += Math.min(closes, end) - cursor;
    cursor = nextOpening(hours, closes);
  }
  return total;
}

/** Working time between two instants: `workingTimeBetween`, answered from a `createWorkingTimeIndex`. */
export type WorkingTimeIndex = (start: number, end: number) => number;

/**
 * `workingTimeBetween` for many durations within [from, to], with identical results: each local
 * day's working interval in the range is looked up once, with a running total of the working
 * time before it, so a duration is two binary searches and a subtraction instead of a walk over
 * its working days (the SLA report converts ~11,600 durations: BENCHMARKS.md, "/pls sla").
 *
 * An instant outside [from, to] is answered by the walk itself. So would be intervals out of
 * order or overlapping, which the binary search cannot handle: the local-time rule at the top of
 * this file rules them out (a day inside a DST gap is empty, not backwards), but that is checked
 * here rather than assumed.
 */
export function createWorkingTimeIndex(hours: Hours, from: number, to: number): WorkingTimeIndex {
  const opens: number[] = [];
  const closes: number[] = [];
  /** Working time in the intervals before each one. */
  const before: number[] = [];
  let total = 0;
  let ordered = true;
  // A local day starts at most 14 h from its UTC day, so two days either side cover the range.
  for (let day = Math.floor(from / DAY) - 2; day <= Math.floor(to / DAY) + 2; day++) {
    const interval = intervalOf(hours, day);
    if (!interval) continue;
    const previousClose = closes.at(-1);
    if (interval.close < interval.open || (previousClose !== undefined && interval.open < previousClose))
      ordered = false;
    opens.push(interval.open);
    closes.push(interval.close);
    before.push(total);
    total += interval.close - interval.open;
  }

  /** Working time before `at`: the intervals that opened before it, the last one up to `at`. */
  const upTo = (at: number): number => {
    let low = 0;
    let high = opens.length - 1;
    let last = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (opens[middle]! <= at) {
        last = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return last < 0 ? 0 : before[last]! + Math.min(at, closes[last]!) - opens[last]!;
  };

  return (start, end) => {
    if (!ordered || start < from || end > to) return workingTimeBetween(hours, start, end);
    return end <= start ? 0 : upTo(end) - upTo(start);
  };
}
