import { describe, expect, it } from 'vitest';
import {
  createDurationSchema,
  DurationError,
  durationSchema,
  formatDuration,
  parseDuration,
  positiveDurationSchema,
} from '../../../src/config/duration.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['30s', 30 * SECOND],
    ['15m', 15 * MINUTE],
    ['4h', 4 * HOUR],
    ['7d', 7 * DAY],
    ['1.5h', 90 * MINUTE],
    ['0.5s', 500],
    ['1d 2h', DAY + 2 * HOUR],
    ['1h30m', 90 * MINUTE],
    ['  15m  ', 15 * MINUTE],
    ['0s', 0],
  ])('reads the short form %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['PT15M', 15 * MINUTE],
    ['P7D', 7 * DAY],
    ['P1DT2H', DAY + 2 * HOUR],
    ['P2W', 14 * DAY],
    ['PT1.5H', 90 * MINUTE],
    ['PT0S', 0],
  ])('reads the ISO 8601 form %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'got an empty string'],
    ['   ', 'got an empty string'],
    ['abc', 'expected a duration like 30s, 15m, 4h, 7d or PT15M, got "abc"'],
    ['15', 'got "15"'],
    ['5y', 'got "5y"'],
    ['15M', 'got "15M"'],
    ['15 minutes', 'got "15 minutes"'],
    ['-5m', 'cannot be negative'],
    ['PT-5M', 'cannot be negative'],
    ['P1M', 'months and years have no fixed length'],
    ['P1Y', 'months and years have no fixed length'],
    ['P', 'got "P"'],
    ['P1DT', 'got "P1DT"'],
    ['2h 1d', 'from largest to smallest'],
    ['1h 1h', 'from largest to smallest'],
  ])('rejects %j', (text, reason) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow(reason);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [30 * SECOND, '30s'],
    [15 * MINUTE, '15m'],
    [4 * HOUR, '4h'],
    [DAY + 2 * HOUR, '1d 2h'],
    [DAY + HOUR + MINUTE + SECOND, '1d 1h 1m 1s'],
    [1500, '1.5s'],
    [-15 * MINUTE, '-15m'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([1, 999, 61 * SECOND, 3 * DAY + 7 * MINUTE, 180 * DAY])(
    'round-trips %d ms through parseDuration',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );
});

describe('duration schemas', () => {
  it('turn text into milliseconds', () => {
    expect(durationSchema.parse('4h')).toBe(4 * HOUR);
    expect(durationSchema.parse('0s')).toBe(0);
    expect(positiveDurationSchema.parse('PT15M')).toBe(15 * MINUTE);
  });

  it('explain a bare number and suggest a unit', () => {
    const result = durationSchema.safeParse(300);
    expect(result.error?.issues[0]?.message).toBe(
      'expected a duration like 30s, 15m, 4h, 7d or PT15M, got 300 (add a unit, e.g. 300s or 300m)',
    );
  });

  it('quote the bad text', () => {
    expect(durationSchema.safeParse('abc').error?.issues[0]?.message).toBe(
      'expected a duration like 30s, 15m, 4h, 7d or PT15M, got "abc"',
    );
  });

  it('say a missing duration is required', () => {
    expect(durationSchema.safeParse(undefined).error?.issues[0]?.message).toMatch(/^required/);
  });

  it('enforce a minimum', () => {
    expect(positiveDurationSchema.safeParse('0s').error?.issues[0]?.message).toBe(
      'must be longer than zero, got "0s"',
    );
    const atLeastAMinute = createDurationSchema({ min: MINUTE });
    expect(atLeastAMinute.safeParse('30s').error?.issues[0]?.message).toBe('must be at least 1m, got "30s"');
    expect(atLeastAMinute.parse('1m')).toBe(MINUTE);
  });
});
