import { DateTime } from 'luxon';
import type { Hours } from '../config/manifest.js';

/**
 * Working-hours arithmetic in a team's or rep's own time zone. `days` are luxon weekdays
 * (1 = Monday); `from`/`to` are minutes since local midnight (`to` may be 1440, midnight).
 *
 * Each local day's working interval is computed once with luxon (calendar math, so 09:00 stays
 * 09:00 across a DST change) and cached: the SLA report converts thousands of durations, and a
 * fresh luxon computation per step costs ~100 µs against ~6 µs for a cached lookup.
 */
const DAY = 86_400_000;

interface Interval {
  open: number;
  close: number;
}

const cache = new Map<string, Interval | null>();
const CACHE_LIMIT = 50_000;

/** The local calendar day (days since 1970-01-01 in the zone) that contains `at`. */
function localDay(hours: Hours, at: number): number {
  const offsetMinutes = DateTime.fromMillis(at, { zone: hours.tz }).offset;
  return Math.floor((at + offsetMinutes * 60_000) / DAY);
}

/** The working interval of a local day, or null on a day off. */
function intervalOf(hours: Hours, day: number): Interval | null {
  const key = `${hours.tz}|${hours.days.join(',')}|${hours.from}|${hours.to}|${day}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
  let interval: Interval | null = null;
  if (hours.days.includes(weekday)) {
    const date = DateTime.fromMillis(day * DAY, { zone: 'UTC' });
    const at = (minute: number) =>
      DateTime.fromObject(
        { year: date.year, month: date.month, day: date.day, hour: 0, minute: 0 },
        { zone: hours.tz },
      )
        .plus({ days: Math.floor(minute / 1440) })
        .set({ hour: Math.floor((minute % 1440) / 60), minute: minute % 60 })
        .toMillis();
    interval = { open: at(hours.from), close: at(hours.to) };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, interval);
  return interval;
}

export function isWithinHours(hours: Hours, at: number): boolean {
  const interval = intervalOf(hours, localDay(hours, at));
  return interval !== null && at >= interval.open && at < interval.close;
}

/** The start of the working interval that contains `at`, or of the next one. */
export function nextOpening(hours: Hours, at: number): number {
  const today = localDay(hours, at);
  for (let i = 0; i < 8; i++) {
    const interval = intervalOf(hours, today + i);
    if (!interval) continue;
    if (at >= interval.open && at < interval.close) return at;
    if (interval.open >= at) return interval.open;
  }
  return at; // no working days at all: the schema forbids it, but never loop
}

/** The close of the working interval that contains `at` (which must be inside one). */
function closeOf(hours: Hours, at: number): number {
  return intervalOf(hours, localDay(hours, at))?.close ?? at;
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
 * its working days (the SLA report converts ~11,600 durations: BENCHMARKS.md finding 6).
 *
 * An instant outside [from, to], or hours whose intervals are not in order and disjoint (a
 * working day that falls inside a DST gap), is answered by the walk itself.
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
    if (interval.close <= interval.open || (previousClose !== undefined && interval.open < previousClose))
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
