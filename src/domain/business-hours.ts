import { DateTime } from 'luxon';
import type { Hours } from '../config/manifest.js';

/**
 * Working-hours arithmetic in a team's or rep's own time zone (luxon handles DST: a day is
 * whatever its wall clock says). `days` are luxon weekdays (1 = Monday); `from`/`to` are minutes
 * since local midnight.
 */

export function isWithinHours(hours: Hours, at: number): boolean {
  const local = DateTime.fromMillis(at, { zone: hours.tz });
  const minute = local.hour * 60 + local.minute;
  return hours.days.includes(local.weekday) && minute >= hours.from && minute < hours.to;
}

/** The start of the working interval that contains `at`, or of the next one. */
export function nextOpening(hours: Hours, at: number): number {
  if (isWithinHours(hours, at)) return at;
  let day = DateTime.fromMillis(at, { zone: hours.tz }).startOf('day');
  for (let i = 0; i < 8; i++) {
    if (hours.days.includes(day.weekday)) {
      const opens = atMinute(day, hours.from);
      if (opens >= at) return opens;
    }
    day = day.plus({ days: 1 }).startOf('day');
  }
  return at; // no working days at all: the schema forbids it, but never loop
}

/**
 * `at` plus `duration` of working time: the clock runs only inside `hours`. A clock started
 * outside hours begins at the next opening. Used for SLA deadlines when `business_hours` is on.
 */
export function addWorkingTime(hours: Hours, at: number, duration: number): number {
  let remaining = duration;
  let cursor = nextOpening(hours, at);
  for (let guard = 0; guard < 3660; guard++) {
    const day = DateTime.fromMillis(cursor, { zone: hours.tz }).startOf('day');
    const closes = atMinute(day, hours.to);
    const available = closes - cursor;
    if (remaining <= available) return cursor + remaining;
    remaining -= available;
    cursor = nextOpening(hours, closes);
  }
  return cursor + remaining;
}

/** Working time between two instants (for reporting time-to-claim in business minutes). */
export function workingTimeBetween(hours: Hours, start: number, end: number): number {
  let total = 0;
  let cursor = nextOpening(hours, start);
  for (let guard = 0; guard < 3660 && cursor < end; guard++) {
    const day = DateTime.fromMillis(cursor, { zone: hours.tz }).startOf('day');
    const closes = atMinute(day, hours.to);
    total += Math.min(closes, end) - cursor;
    cursor = nextOpening(hours, closes);
  }
  return total;
}

function atMinute(day: DateTime, minute: number): number {
  // Calendar math, not duration math: 09:00 stays 09:00 on a DST-change day. 24:00 is the next midnight.
  if (minute >= 24 * 60) return day.plus({ days: 1 }).startOf('day').toMillis();
  return day
    .set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 })
    .toMillis();
}
