import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkingTime,
  createWorkingTimeIndex,
  isWithinHours,
  nextOpening,
  workingTimeBetween,
} from '../../../src/domain/business-hours.js';
import type { Hours } from '../../../src/domain/definition.js';
import { DAY, HOUR, hours, MINUTE, prng } from '../../support/domain-builders.js';

const NY = hours({ tz: 'America/New_York' }); // mon–fri 09:00–18:00
const ROUND_THE_CLOCK_NY = hours({ tz: 'America/New_York', days: 'mon-sun', from: '00:00', to: '24:00' });
const WEEKDAYS_ALL_DAY = hours({ tz: 'America/New_York', from: '00:00', to: '24:00' });
const BERLIN = hours({ tz: 'Europe/Berlin', days: 'mon,wed,fri', from: '08:30', to: '12:00' });

const at = (iso: string) => Date.parse(iso);

describe('the hours these tests use', () => {
  it('are parsed from the manifest as minutes and luxon weekdays', () => {
    expect(NY).toEqual({ tz: 'America/New_York', days: [1, 2, 3, 4, 5], from: 540, to: 1080 });
    expect(ROUND_THE_CLOCK_NY.to).toBe(1440);
    expect(hours({ days: 'fri-mon' }).days).toEqual([1, 5, 6, 7]);
  });
});

describe('isWithinHours', () => {
  it('includes the opening minute and excludes the closing one, in the zone’s wall clock', () => {
    // Monday 2026-11-23, New York is UTC-5.
    expect(isWithinHours(NY, at('2026-11-23T13:59:00Z'))).toBe(false); // 08:59
    expect(isWithinHours(NY, at('2026-11-23T14:00:00Z'))).toBe(true); // 09:00
    expect(isWithinHours(NY, at('2026-11-23T22:59:59Z'))).toBe(true); // 17:59:59
    expect(isWithinHours(NY, at('2026-11-23T23:00:00Z'))).toBe(false); // 18:00
  });

  it('follows daylight saving time: 09:00 is 13:00 UTC in summer, 14:00 UTC in winter', () => {
    expect(isWithinHours(NY, at('2026-07-13T13:00:00Z'))).toBe(true);
    expect(isWithinHours(NY, at('2026-11-23T13:00:00Z'))).toBe(false);
  });

  it('is closed on days off', () => {
    expect(isWithinHours(NY, at('2026-11-28T15:00:00Z'))).toBe(false); // Saturday 10:00
    expect(isWithinHours(NY, at('2026-11-29T15:00:00Z'))).toBe(false); // Sunday 10:00
    expect(isWithinHours(BERLIN, at('2026-11-24T09:00:00Z'))).toBe(false); // Tuesday 10:00 Berlin
    expect(isWithinHours(BERLIN, at('2026-11-25T09:00:00Z'))).toBe(true); // Wednesday 10:00 Berlin
  });

  it('runs to midnight with `to: 24:00`', () => {
    expect(isWithinHours(WEEKDAYS_ALL_DAY, at('2026-11-28T04:59:00Z'))).toBe(true); // Friday 23:59
    expect(isWithinHours(WEEKDAYS_ALL_DAY, at('2026-11-28T05:00:00Z'))).toBe(false); // Saturday 00:00
    expect(isWithinHours(WEEKDAYS_ALL_DAY, at('2026-11-23T05:00:00Z'))).toBe(true); // Monday 00:00
  });
});

describe('nextOpening', () => {
  it('is the instant itself inside hours', () => {
    const t = at('2026-11-23T15:00:00Z');
    expect(nextOpening(NY, t)).toBe(t);
  });

  it('is today’s opening before hours, and the next working day’s after them', () => {
    expect(nextOpening(NY, at('2026-11-23T12:00:00Z'))).toBe(at('2026-11-23T14:00:00Z')); // Mon 07:00 → 09:00
    expect(nextOpening(NY, at('2026-11-23T23:00:00Z'))).toBe(at('2026-11-24T14:00:00Z')); // Mon 18:00 → Tue 09:00
  });

  it('skips the weekend', () => {
    expect(nextOpening(NY, at('2026-11-27T23:30:00Z'))).toBe(at('2026-11-30T14:00:00Z')); // Fri 18:30 → Mon
    expect(nextOpening(NY, at('2026-11-28T15:00:00Z'))).toBe(at('2026-11-30T14:00:00Z')); // Sat → Mon
    expect(nextOpening(BERLIN, at('2026-11-27T12:00:00Z'))).toBe(at('2026-11-30T07:30:00Z')); // Fri 13:00 → Mon 08:30
  });

  it('opens at 09:00 wall clock across the spring DST change (2026-03-08)', () => {
    // Friday 2026-03-06 18:00 EST → Monday 2026-03-09 09:00 EDT (UTC-4).
    expect(nextOpening(NY, at('2026-03-06T23:00:00Z'))).toBe(at('2026-03-09T13:00:00Z'));
  });

  it('opens at 09:00 wall clock across the autumn DST change (2026-11-01)', () => {
    // Friday 2026-10-30 18:00 EDT → Monday 2026-11-02 09:00 EST (UTC-5).
    expect(nextOpening(NY, at('2026-10-30T22:00:00Z'))).toBe(at('2026-11-02T14:00:00Z'));
  });

  it('opens on the DST day itself for a seven-day schedule', () => {
    const everyDay = hours({ tz: 'America/New_York', days: 'mon-sun' });
    expect(nextOpening(everyDay, at('2026-03-08T05:00:00Z'))).toBe(at('2026-03-08T13:00:00Z')); // 09:00 EDT
    expect(nextOpening(everyDay, at('2026-11-01T04:00:00Z'))).toBe(at('2026-11-01T14:00:00Z')); // 09:00 EST
  });

  it('opens at midnight after a weekend with `to: 24:00`', () => {
    expect(nextOpening(WEEKDAYS_ALL_DAY, at('2026-11-28T15:00:00Z'))).toBe(at('2026-11-30T05:00:00Z'));
  });
});

describe('addWorkingTime', () => {
  it('adds within the same working day', () => {
    expect(addWorkingTime(NY, at('2026-11-23T15:00:00Z'), 15 * MINUTE)).toBe(at('2026-11-23T15:15:00Z'));
  });

  it('ends exactly at closing when the time fits to the minute', () => {
    expect(addWorkingTime(NY, at('2026-11-23T22:45:00Z'), 15 * MINUTE)).toBe(at('2026-11-23T23:00:00Z'));
  });

  it('carries what is left over a night and a weekend', () => {
    // Friday 17:00 + 2 h = 1 h on Friday and 1 h on Monday.
    expect(addWorkingTime(NY, at('2026-11-27T22:00:00Z'), 2 * HOUR)).toBe(at('2026-11-30T15:00:00Z'));
    // Monday 10:00 + 24 working hours = 8 h Mon + 9 h Tue + 7 h Wed → Wednesday 16:00.
    expect(addWorkingTime(NY, at('2026-11-23T15:00:00Z'), 24 * HOUR)).toBe(at('2026-11-25T21:00:00Z'));
  });

  it('starts the clock at the next opening when started outside hours', () => {
    expect(addWorkingTime(NY, at('2026-11-28T15:00:00Z'), 15 * MINUTE)).toBe(at('2026-11-30T14:15:00Z')); // Sat
    expect(addWorkingTime(NY, at('2026-11-23T11:00:00Z'), 15 * MINUTE)).toBe(at('2026-11-23T14:15:00Z')); // 06:00
    expect(addWorkingTime(NY, at('2026-11-23T23:30:00Z'), 4 * HOUR)).toBe(at('2026-11-24T18:00:00Z')); // 18:30
  });

  it('counts 09:00–18:00 wall clock across the spring DST weekend', () => {
    // Friday 2026-03-06 17:00 EST + 2 h → Monday 2026-03-09 10:00 EDT.
    expect(addWorkingTime(NY, at('2026-03-06T22:00:00Z'), 2 * HOUR)).toBe(at('2026-03-09T14:00:00Z'));
  });

  it('counts 09:00–18:00 wall clock across the autumn DST weekend', () => {
    // Friday 2026-10-30 17:00 EDT + 2 h → Monday 2026-11-02 10:00 EST.
    expect(addWorkingTime(NY, at('2026-10-30T21:00:00Z'), 2 * HOUR)).toBe(at('2026-11-02T15:00:00Z'));
  });

  it('counts real elapsed time through a DST night on a round-the-clock schedule', () => {
    // 2026-03-08 02:00 EST does not exist: 4 working hours from Saturday 23:00 EST end at 04:00 EDT.
    expect(addWorkingTime(ROUND_THE_CLOCK_NY, at('2026-03-08T04:00:00Z'), 4 * HOUR)).toBe(
      at('2026-03-08T08:00:00Z'),
    );
    // 2026-11-01 01:00–02:00 happens twice: 4 working hours from Saturday 23:00 EDT end at 02:00 EST.
    expect(addWorkingTime(ROUND_THE_CLOCK_NY, at('2026-11-01T03:00:00Z'), 4 * HOUR)).toBe(
      at('2026-11-01T07:00:00Z'),
    );
  });

  it('runs through midnight into the next working day with `to: 24:00`', () => {
    // Friday 23:00 + 2 h: 1 h on Friday, then Monday 00:00–01:00.
    expect(addWorkingTime(WEEKDAYS_ALL_DAY, at('2026-11-28T04:00:00Z'), 2 * HOUR)).toBe(
      at('2026-11-30T06:00:00Z'),
    );
    // Monday 23:00 + 2 h: straight into Tuesday.
    expect(addWorkingTime(WEEKDAYS_ALL_DAY, at('2026-11-24T04:00:00Z'), 2 * HOUR)).toBe(
      at('2026-11-24T06:00:00Z'),
    );
  });
});

describe('workingTimeBetween', () => {
  it('counts only working time', () => {
    expect(workingTimeBetween(NY, at('2026-11-23T15:00:00Z'), at('2026-11-23T15:15:00Z'))).toBe(15 * MINUTE);
    expect(workingTimeBetween(NY, at('2026-11-27T22:00:00Z'), at('2026-11-30T15:00:00Z'))).toBe(2 * HOUR);
    expect(workingTimeBetween(NY, at('2026-11-28T15:00:00Z'), at('2026-11-29T15:00:00Z'))).toBe(0); // Sat → Sun
    expect(workingTimeBetween(NY, at('2026-11-23T15:00:00Z'), at('2026-11-23T14:00:00Z'))).toBe(0); // end first
  });

  it('counts a full week as five 9-hour days', () => {
    expect(workingTimeBetween(NY, at('2026-11-23T05:00:00Z'), at('2026-11-30T05:00:00Z'))).toBe(45 * HOUR);
  });

  it('makes DST days 23 and 25 hours long on a round-the-clock schedule, 9 hours on 09–18', () => {
    const day = (start: string, end: string, h = ROUND_THE_CLOCK_NY) =>
      workingTimeBetween(h, at(start), at(end));
    expect(day('2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z')).toBe(23 * HOUR);
    expect(day('2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z')).toBe(25 * HOUR);
    const everyDay = hours({ tz: 'America/New_York', days: 'mon-sun' });
    expect(day('2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', everyDay)).toBe(9 * HOUR);
    expect(day('2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', everyDay)).toBe(9 * HOUR);
  });

  it('inverts addWorkingTime for any start and duration (seeded, across both 2026 DST changes)', () => {
    const random = prng(2026);
    const schedules = [
      NY,
      ROUND_THE_CLOCK_NY,
      WEEKDAYS_ALL_DAY,
      BERLIN,
      hours({ tz: 'Asia/Kolkata', days: 'sun-thu' }),
    ];
    const windows = [at('2026-03-01T00:00:00Z'), at('2026-10-25T00:00:00Z')];
    for (let i = 0; i < 400; i++) {
      const h = schedules[i % schedules.length]!;
      const start = windows[i % 2]! + Math.floor(random() * 14 * DAY);
      const duration = Math.floor(random() * 40 * HOUR);
      const end = addWorkingTime(h, start, duration);
      expect(end).toBeGreaterThanOrEqual(start + duration);
      expect(workingTimeBetween(h, start, end)).toBe(duration);
      // The deadline is never outside hours, except a deadline exactly at closing time.
      if (duration > 0) expect(isWithinHours(h, end) || isWithinHours(h, end - 1)).toBe(true);
    }
  });
});

describe('createWorkingTimeIndex', () => {
  it('counts working time across a weekend and the spring DST change', () => {
    const from = at('2026-03-01T00:00:00Z');
    const index = createWorkingTimeIndex(NY, from, from + 30 * DAY);
    // Friday 17:00 → Monday 10:00 across the spring change: 1 h + 1 h.
    expect(index(at('2026-03-06T22:00:00Z'), at('2026-03-09T14:00:00Z'))).toBe(2 * HOUR);
    expect(index(at('2026-03-02T14:00:00Z'), at('2026-03-09T13:00:00Z'))).toBe(45 * HOUR); // a week
    expect(index(at('2026-03-07T15:00:00Z'), at('2026-03-08T15:00:00Z'))).toBe(0); // Sat → Sun
    expect(index(at('2026-03-03T15:00:00Z'), at('2026-03-03T14:00:00Z'))).toBe(0); // end first
  });

  it('falls back to the walk outside its range', () => {
    const from = at('2026-11-23T00:00:00Z');
    const index = createWorkingTimeIndex(NY, from, from + DAY);
    const [start, end] = [at('2026-11-20T15:00:00Z'), at('2026-11-30T15:00:00Z')];
    expect(index(start, end)).toBe(workingTimeBetween(NY, start, end));
    expect(index(start, end)).toBe(54 * HOUR); // Fri 8 h, a 45 h week, Mon 1 h
  });

  // The zones' 2026 DST changes: New York 03-08 and 11-01, Berlin 03-29 and 10-25, Sydney 04-05
  // and 10-04 (southern hemisphere), Lord Howe by half an hour on the same days as Sydney;
  // Santiago changes at midnight (04-05 and 09-06); Kolkata has none.
  const ZONES = [
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'America/Santiago',
    'Asia/Kolkata',
  ];
  const CHANGES = ['03-08', '11-01', '03-29', '10-25', '04-05', '10-04', '09-06'].map((day) =>
    at(`2026-${day}T00:00:00Z`),
  );
  const hoursArb: fc.Arbitrary<Hours> = fc
    .record({
      tz: fc.constantFrom(...ZONES),
      days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      from: fc.integer({ min: 0, max: 1439 }),
      length: fc.integer({ min: 1, max: 1440 }),
    })
    .map(({ tz, days, from, length }) => ({
      tz,
      days: days.toSorted((a, b) => a - b),
      from,
      to: Math.min(1440, from + length),
    }));

  it('equals workingTimeBetween for random hours and intervals (seeded)', () => {
    fc.assert(
      fc.property(
        hoursArb,
        fc.constantFrom(...CHANGES),
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.array(fc.tuple(fc.nat(36 * DAY), fc.nat(36 * DAY)), { minLength: 1, maxLength: 12 }),
        (hours, change, lead, pairs) => {
          // A 30-day index around one of the changes above; instants up to 3 days either side of it.
          const from = change - lead;
          const index = createWorkingTimeIndex(hours, from, from + 30 * DAY);
          for (const [a, b] of pairs) {
            const start = from - 3 * DAY + a;
            const end = from - 3 * DAY + b;
            expect(index(start, end)).toBe(workingTimeBetween(hours, start, end));
          }
        },
      ),
      {
        seed: 2026,
        numRuns: 300,
        // Sunday 02:30–03:00 in New York falls into the spring-forward gap on 2026-03-08: that
        // day's interval is empty (both ends are 03:00 EDT), and the index must skip it as the walk does.
        examples: [
          [
            { tz: 'America/New_York', days: [1, 2, 3, 4, 5, 6, 7], from: 150, to: 180 },
            CHANGES[0]!,
            5 * DAY,
            [[8 * DAY, 10 * DAY]],
          ],
        ],
      },
    );
  });
});
