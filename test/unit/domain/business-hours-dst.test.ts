import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addWorkingTime,
  createWorkingTimeIndex,
  isWithinHours,
  nextOpening,
  workingTimeBetween,
} from '../../../src/domain/business-hours.js';
import type { Hours } from '../../../src/domain/definition.js';
import { DAY, HOUR, hours, MINUTE } from '../../support/domain-builders.js';

/*
 * Working hours whose opening or closing falls where the wall clock jumps. The rule under test
 * (src/domain/business-hours.ts): a local time is the first instant at which the clock reads it or
 * later, so a time skipped in spring is the end of the gap and a time repeated in autumn is the
 * earlier of its two instants.
 */

const at = (iso: string) => Date.parse(iso);

/** The 2026 offset changes of the zones below, as UTC instants (checked against tzdata first). */
const CHANGES: Record<string, readonly number[]> = {
  // 02:00 → 03:00 and 02:00 → 01:00.
  'America/New_York': [at('2026-03-08T07:00:00Z'), at('2026-11-01T06:00:00Z')],
  // At midnight: Saturday 24:00 → 23:00 (a 25-hour Saturday), Sunday 00:00 → 01:00.
  'America/Santiago': [at('2026-04-05T03:00:00Z'), at('2026-09-06T04:00:00Z')],
  // At midnight, like Santiago: Sunday 00:00 → 01:00, Saturday 24:00 → 23:00.
  'Asia/Beirut': [at('2026-03-28T22:00:00Z'), at('2026-10-24T21:00:00Z')],
  // Sunday 00:00 → 01:00, then 01:00 → 00:00.
  'America/Havana': [at('2026-03-08T05:00:00Z'), at('2026-11-01T05:00:00Z')],
  // 02:00 → 03:00 and 03:00 → 02:00.
  'Europe/Berlin': [at('2026-03-29T01:00:00Z'), at('2026-10-25T01:00:00Z')],
  // By half an hour: 02:00 → 01:30 and 02:00 → 02:30.
  'Australia/Lord_Howe': [at('2026-04-04T15:00:00Z'), at('2026-10-03T15:30:00Z')],
};
const ZONES = Object.keys(CHANGES);

describe('the DST changes these tests rely on', () => {
  it('are where tzdata puts them', () => {
    for (const [tz, changes] of Object.entries(CHANGES)) {
      const zone = IANAZone.create(tz);
      for (const change of changes)
        expect(zone.offset(change - 1), `${tz} ${change}`).not.toBe(zone.offset(change));
    }
  });
});

describe('a round-the-clock schedule', () => {
  it('counts every elapsed millisecond across each change', () => {
    for (const [tz, changes] of Object.entries(CHANGES)) {
      const always = hours({ tz, days: 'mon-sun', from: '00:00', to: '24:00' });
      for (const change of changes) {
        const start = change - 30 * HOUR - 17 * MINUTE;
        expect(workingTimeBetween(always, start, change + 30 * HOUR), `${tz} ${change}`).toBe(
          60 * HOUR + 17 * MINUTE,
        );
        expect(addWorkingTime(always, start, 60 * HOUR), `${tz} ${change}`).toBe(start + 60 * HOUR);
      }
    }
  });

  it('does not stop for the hour Havana repeats from midnight (2026-11-01, 01:00 → 00:00)', () => {
    const always = hours({ tz: 'America/Havana', days: 'mon-sun', from: '00:00', to: '24:00' });
    // Saturday 10:00 -04 + 15 h: the first Sunday 01:00 -04, 05:00Z; midnight -05 would be 06:00Z.
    expect(addWorkingTime(always, at('2026-10-31T14:00:00Z'), 15 * HOUR)).toBe(at('2026-11-01T05:00:00Z'));
    const sundays = hours({ tz: 'America/Havana', days: 'sun', from: '00:00', to: '24:00' });
    // Sunday opens at the first midnight (-04) and closes at Monday's (-05): 25 hours.
    expect(nextOpening(sundays, at('2026-10-31T12:00:00Z'))).toBe(at('2026-11-01T04:00:00Z'));
    expect(workingTimeBetween(sundays, at('2026-10-30T00:00:00Z'), at('2026-11-04T00:00:00Z'))).toBe(
      25 * HOUR,
    );
  });
});

describe('hours that open or close inside a spring-forward gap', () => {
  // 02:00–03:00 does not exist on Sunday 2026-03-08 in New York: the clock goes from 01:59:59 EST
  // (06:59:59Z) to 03:00 EDT (07:00Z).
  const SUNDAY_0230_0300 = hours({ tz: 'America/New_York', days: 'sun', from: '02:30', to: '03:00' });
  const EVERY_DAY_0230_1800 = hours({ tz: 'America/New_York', days: 'mon-sun', from: '02:30', to: '18:00' });
  const EVERY_DAY_0100_0230 = hours({ tz: 'America/New_York', days: 'mon-sun', from: '01:00', to: '02:30' });

  it('make a day wholly inside the gap empty, and skip it', () => {
    // Sundays 2026-03-01 (EST) and 03-15 (EDT) have 30 minutes; 03-08 has none.
    expect(workingTimeBetween(SUNDAY_0230_0300, at('2026-03-01T00:00:00Z'), at('2026-03-16T00:00:00Z'))).toBe(
      HOUR,
    );
    expect(workingTimeBetween(SUNDAY_0230_0300, at('2026-03-08T06:00:00Z'), at('2026-03-08T12:00:00Z'))).toBe(
      0,
    );
    expect(nextOpening(SUNDAY_0230_0300, at('2026-03-08T06:00:00Z'))).toBe(at('2026-03-15T06:30:00Z'));
    expect(isWithinHours(SUNDAY_0230_0300, at('2026-03-08T07:00:00Z'))).toBe(false);
    expect(isWithinHours(SUNDAY_0230_0300, at('2026-03-08T07:30:00Z'))).toBe(false);
    // 15 minutes on 03-01, none on 03-08, 15 on 03-15.
    expect(addWorkingTime(SUNDAY_0230_0300, at('2026-03-01T07:45:00Z'), 30 * MINUTE)).toBe(
      at('2026-03-15T06:45:00Z'),
    );
  });

  it('open when the gap ends (03:00 EDT), not 30 minutes after it', () => {
    expect(nextOpening(EVERY_DAY_0230_1800, at('2026-03-08T05:00:00Z'))).toBe(at('2026-03-08T07:00:00Z'));
    expect(isWithinHours(EVERY_DAY_0230_1800, at('2026-03-08T06:59:59Z'))).toBe(false);
    expect(isWithinHours(EVERY_DAY_0230_1800, at('2026-03-08T07:00:00Z'))).toBe(true);
    // 03:00–18:00 EDT.
    expect(
      workingTimeBetween(EVERY_DAY_0230_1800, at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z')),
    ).toBe(15 * HOUR);
    // Saturday 17:30 EST + 1 h: 30 minutes on Saturday, then Sunday from 03:00 EDT.
    expect(addWorkingTime(EVERY_DAY_0230_1800, at('2026-03-07T22:30:00Z'), HOUR)).toBe(
      at('2026-03-08T07:30:00Z'),
    );
  });

  it('close when the gap ends, so the hour before it counts once', () => {
    // 01:00 EST (06:00Z) to the end of the gap (07:00Z).
    expect(
      workingTimeBetween(EVERY_DAY_0100_0230, at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z')),
    ).toBe(HOUR);
    expect(isWithinHours(EVERY_DAY_0100_0230, at('2026-03-08T06:59:59Z'))).toBe(true);
    expect(isWithinHours(EVERY_DAY_0100_0230, at('2026-03-08T07:00:00Z'))).toBe(false);
  });

  it('open at 01:00 on a midnight change (Santiago 2026-09-06): a 23-hour Sunday', () => {
    const sundays = hours({ tz: 'America/Santiago', days: 'sun', from: '00:00', to: '24:00' });
    const saturdays = hours({ tz: 'America/Santiago', days: 'sat', from: '00:00', to: '24:00' });
    // Sunday runs from 01:00 -03 (04:00Z, the end of the gap) to Monday 00:00 -03.
    expect(workingTimeBetween(sundays, at('2026-09-01T00:00:00Z'), at('2026-09-10T00:00:00Z'))).toBe(
      23 * HOUR,
    );
    expect(workingTimeBetween(saturdays, at('2026-09-01T00:00:00Z'), at('2026-09-10T00:00:00Z'))).toBe(
      24 * HOUR,
    );
    expect(nextOpening(sundays, at('2026-09-05T12:00:00Z'))).toBe(at('2026-09-06T04:00:00Z'));
    expect(isWithinHours(sundays, at('2026-09-06T03:59:59Z'))).toBe(false);
    expect(isWithinHours(sundays, at('2026-09-07T02:59:59Z'))).toBe(true);
    expect(isWithinHours(sundays, at('2026-09-07T03:00:00Z'))).toBe(false);
    expect(addWorkingTime(sundays, at('2026-09-05T12:00:00Z'), 23 * HOUR)).toBe(at('2026-09-07T03:00:00Z'));
    expect(addWorkingTime(sundays, at('2026-09-05T12:00:00Z'), 23 * HOUR + MINUTE)).toBe(
      at('2026-09-13T03:01:00Z'),
    );
  });

  it('open at 01:00 on the midnight changes in Beirut (2026-03-29) and Havana (2026-03-08)', () => {
    const beirut = hours({ tz: 'Asia/Beirut', days: 'sun', from: '00:00', to: '24:00' });
    expect(nextOpening(beirut, at('2026-03-28T12:00:00Z'))).toBe(at('2026-03-28T22:00:00Z'));
    expect(workingTimeBetween(beirut, at('2026-03-27T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toBe(
      23 * HOUR,
    );
    const havana = hours({ tz: 'America/Havana', days: 'sun', from: '00:00', to: '24:00' });
    expect(nextOpening(havana, at('2026-03-07T12:00:00Z'))).toBe(at('2026-03-08T05:00:00Z'));
    expect(workingTimeBetween(havana, at('2026-03-06T00:00:00Z'), at('2026-03-11T00:00:00Z'))).toBe(
      23 * HOUR,
    );
  });
});

describe('hours that open or close inside a repeated hour', () => {
  it('use the first of the two instants (New York, 2026-11-01)', () => {
    const quarter = hours({ tz: 'America/New_York', days: 'sun', from: '01:30', to: '01:45' });
    expect(isWithinHours(quarter, at('2026-11-01T05:35:00Z'))).toBe(true); // 01:35 EDT
    expect(isWithinHours(quarter, at('2026-11-01T06:35:00Z'))).toBe(false); // 01:35 EST
    expect(workingTimeBetween(quarter, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'))).toBe(
      15 * MINUTE,
    );
    // 01:30 EDT until the clock first reads 02:00 (EST): the repeated hour counts.
    const toTwo = hours({ tz: 'America/New_York', days: 'sun', from: '01:30', to: '02:00' });
    expect(workingTimeBetween(toTwo, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'))).toBe(
      90 * MINUTE,
    );
    // Midnight EDT until the first 01:30.
    const toHalfPast = hours({ tz: 'America/New_York', days: 'sun', from: '00:00', to: '01:30' });
    expect(workingTimeBetween(toHalfPast, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'))).toBe(
      90 * MINUTE,
    );
  });

  it('give a 25-hour Saturday where the clock falls back from 24:00 (Santiago, Beirut)', () => {
    const santiago = (days: string) => hours({ tz: 'America/Santiago', days, from: '00:00', to: '24:00' });
    // Saturday 2026-04-04 00:00 -03 (03:00Z) until midnight comes, once, at 00:00 -04 (04:00Z Sunday).
    expect(workingTimeBetween(santiago('sat'), at('2026-04-01T00:00:00Z'), at('2026-04-08T00:00:00Z'))).toBe(
      25 * HOUR,
    );
    expect(workingTimeBetween(santiago('sun'), at('2026-04-01T00:00:00Z'), at('2026-04-08T00:00:00Z'))).toBe(
      24 * HOUR,
    );
    // 03:30Z reads Saturday 23:30 the second time.
    expect(isWithinHours(santiago('sat'), at('2026-04-05T03:30:00Z'))).toBe(true);
    expect(isWithinHours(santiago('sun'), at('2026-04-05T03:30:00Z'))).toBe(false);
    expect(addWorkingTime(santiago('sat'), at('2026-04-05T02:30:00Z'), HOUR)).toBe(
      at('2026-04-05T03:30:00Z'),
    );
    const beirut = hours({ tz: 'Asia/Beirut', days: 'sat', from: '00:00', to: '24:00' });
    expect(workingTimeBetween(beirut, at('2026-10-20T00:00:00Z'), at('2026-10-27T00:00:00Z'))).toBe(
      25 * HOUR,
    );
  });

  it('keep the new day open where the clock fell back across midnight (St John’s, 2010-11-07)', () => {
    // 00:00:59 NDT Sunday (02:30:59Z) → 23:01 NST Saturday: Sunday opened at 02:30Z, and the
    // hour that reads Saturday 23:01–24:00 again belongs to it.
    const sundays = hours({ tz: 'America/St_Johns', days: 'sun', from: '00:00', to: '24:00' });
    const saturdays = hours({ tz: 'America/St_Johns', days: 'sat', from: '00:00', to: '24:00' });
    expect(isWithinHours(sundays, at('2010-11-07T03:00:00Z'))).toBe(true);
    expect(isWithinHours(saturdays, at('2010-11-07T03:00:00Z'))).toBe(false);
    expect(workingTimeBetween(sundays, at('2010-11-07T03:00:00Z'), at('2010-11-07T03:30:00Z'))).toBe(
      30 * MINUTE,
    );
    expect(workingTimeBetween(sundays, at('2010-11-06T00:00:00Z'), at('2010-11-09T00:00:00Z'))).toBe(
      25 * HOUR,
    );
    expect(workingTimeBetween(saturdays, at('2010-11-05T00:00:00Z'), at('2010-11-08T00:00:00Z'))).toBe(
      24 * HOUR,
    );
    expect(addWorkingTime(sundays, at('2010-11-07T03:00:00Z'), 24 * HOUR)).toBe(at('2010-11-08T03:00:00Z'));
  });
});

describe('working time around the 2026 DST changes (seeded properties)', () => {
  /** Minutes where the 2026 changes above open or close their gaps and repeated hours. */
  const EDGES = [0, 30, 60, 90, 120, 150, 180, 1380, 1410, 1440];
  const minute = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: 0, max: 1440 }));
  const hoursArb: fc.Arbitrary<Hours> = fc
    .record({
      tz: fc.constantFrom(...ZONES),
      days: fc.oneof(
        fc.constant([1, 2, 3, 4, 5, 6, 7]),
        fc.constantFrom([6], [7], [6, 7]),
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      ),
      ends: fc.uniqueArray(minute, { minLength: 2, maxLength: 2 }),
    })
    .map(({ tz, days, ends }) => {
      const [from, to] = ends.toSorted((a, b) => a - b) as [number, number];
      return { tz, days: days.toSorted((a, b) => a - b), from, to };
    });
  /** Hours with one of their zone's 2026 changes. */
  const caseArb = hoursArb.chain((h) =>
    fc.record({ hours: fc.constant(h), change: fc.constantFrom(...CHANGES[h.tz]!) }),
  );
  /** An offset from a change, within three days: on the minute half the time, to the millisecond otherwise. */
  const near = fc.oneof(
    fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }).map((m) => m * MINUTE),
    fc.integer({ min: -3 * DAY, max: 3 * DAY }),
  );
  const options = { seed: 2026, numRuns: 400 } as const;

  const NY_0230 = { tz: 'America/New_York', days: [7], from: 150, to: 180 };
  const SANTIAGO_ALL_DAY = { tz: 'America/Santiago', days: [1, 2, 3, 4, 5, 6, 7], from: 0, to: 1440 };
  const SPRING_NY = CHANGES['America/New_York']![0]!;
  const SPRING_SANTIAGO = CHANGES['America/Santiago']![1]!;

  it('is never negative, never more than the time elapsed, and adds up over consecutive intervals', () => {
    fc.assert(
      fc.property(caseArb, near, near, near, ({ hours: h, change }, x, y, z) => {
        const [a, b, c] = [change + x, change + y, change + z].toSorted((p, q) => p - q) as [
          number,
          number,
          number,
        ];
        const ab = workingTimeBetween(h, a, b);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(b - a);
        expect(workingTimeBetween(h, b, a)).toBe(0); // end first
        expect(ab + workingTimeBetween(h, b, c)).toBe(workingTimeBetween(h, a, c));
        // One millisecond counts exactly when it is inside hours.
        expect(workingTimeBetween(h, b, b + 1)).toBe(isWithinHours(h, b) ? 1 : 0);
      }),
      {
        ...options,
        examples: [
          [{ hours: NY_0230, change: SPRING_NY }, -HOUR, 0, HOUR],
          [{ hours: SANTIAGO_ALL_DAY, change: SPRING_SANTIAGO }, -30 * MINUTE, 0, 30 * MINUTE],
        ],
      },
    );
  });

  it('is inverted by addWorkingTime, whose deadline is the end of a working millisecond', () => {
    fc.assert(
      fc.property(caseArb, near, fc.integer({ min: 0, max: 3000 }), ({ hours: h, change }, x, permille) => {
        // Up to three working days' worth, so that short hours still end within weeks.
        const duration = Math.floor(((h.to - h.from) * MINUTE * permille) / 1000);
        const start = change + x;
        const end = addWorkingTime(h, start, duration);
        expect(end).toBeGreaterThanOrEqual(start + duration);
        expect(workingTimeBetween(h, start, end)).toBe(duration);
        if (duration > 0) expect(isWithinHours(h, end - 1)).toBe(true);
        else expect(end).toBe(nextOpening(h, start));
      }),
      {
        ...options,
        examples: [
          [{ hours: NY_0230, change: SPRING_NY }, -HOUR, 500],
          [{ hours: SANTIAGO_ALL_DAY, change: SPRING_SANTIAGO }, -30 * MINUTE, 1000],
        ],
      },
    );
  });

  it('is answered identically by a working-time index', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.tuple(near, near), { minLength: 1, maxLength: 12 }),
        ({ hours: h, change }, pairs) => {
          // An index over two days either side of the change; instants up to three days either side.
          const index = createWorkingTimeIndex(h, change - 2 * DAY, change + 2 * DAY);
          for (const [x, y] of pairs)
            expect(index(change + x, change + y)).toBe(workingTimeBetween(h, change + x, change + y));
        },
      ),
      { ...options, examples: [[{ hours: NY_0230, change: SPRING_NY }, [[-DAY, DAY]]]] },
    );
  });

  it('follows a wall clock that jumps over a gap and stands still through a repeated hour', () => {
    // An independent model of the rule, minute by minute (every 2026 change is on the minute): a
    // minute is working when the highest local time the clock has shown so far is a working day
    // and minute. Its working minutes must be the functions' working time.
    const offsets = new Map<string, number>(); // runs share their windows: look each minute up once
    const offsetAt = (tz: string, t: number): number => {
      const key = `${tz}|${t}`;
      const known = offsets.get(key);
      if (known !== undefined) return known;
      const offset = IANAZone.create(tz).offset(t) * MINUTE;
      offsets.set(key, offset);
      return offset;
    };
    const model = (h: Hours, from: number, to: number): boolean[] => {
      const working: boolean[] = [];
      let shown = Number.NEGATIVE_INFINITY;
      // From three hours before, so that `shown` has seen the clock before a repeated hour.
      for (let t = from - 3 * HOUR; t < to; t += MINUTE) {
        shown = Math.max(shown, t + offsetAt(h.tz, t));
        if (t < from) continue;
        const local = new Date(shown); // the local time, written as if in UTC
        const weekday = local.getUTCDay() || 7; // luxon's: 1 = Monday … 7 = Sunday
        const minuteOfDay = local.getUTCHours() * 60 + local.getUTCMinutes();
        working.push(h.days.includes(weekday) && minuteOfDay >= h.from && minuteOfDay < h.to);
      }
      return working;
    };
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.tuple(fc.nat(48 * 60), fc.nat(48 * 60)), { maxLength: 8 }),
        ({ hours: h, change }, pairs) => {
          const from = change - DAY;
          const working = model(h, from, change + DAY);
          const counted = [0];
          for (const w of working) counted.push(counted.at(-1)! + (w ? 1 : 0));
          expect(workingTimeBetween(h, from, change + DAY)).toBe(counted.at(-1)! * MINUTE);
          for (const [i, j] of pairs) {
            const [a, b] = i <= j ? [i, j] : [j, i];
            expect(workingTimeBetween(h, from + a * MINUTE, from + b * MINUTE)).toBe(
              (counted[b]! - counted[a]!) * MINUTE,
            );
          }
          // isWithinHours either side of every minute where the model opens or closes, and hourly.
          for (let i = 1; i < working.length; i++)
            if (working[i] !== working[i - 1] || i % 60 === 0) {
              expect(isWithinHours(h, from + i * MINUTE)).toBe(working[i]);
              expect(isWithinHours(h, from + i * MINUTE - 1)).toBe(working[i - 1]);
            }
        },
      ),
      { seed: 2026, numRuns: 100, examples: [[{ hours: NY_0230, change: SPRING_NY }, []]] },
    );
  });
});
