import { describe, expect, it } from 'vitest';
import {
  addToBuckets,
  type Buckets,
  countSince,
  DAY,
  HOUR,
  pruneBuckets,
  sumWithin,
  touchLastSeen,
} from '../../../src/domain/windows.js';
import { MONDAY_10AM_NY, prng } from '../../support/domain-builders.js';

const NOW = MONDAY_10AM_NY; // on an hour boundary

describe('addToBuckets', () => {
  it('keys a bucket by its index since the epoch and accumulates amounts', () => {
    const buckets: Buckets = {};
    addToBuckets(buckets, NOW, HOUR);
    addToBuckets(buckets, NOW + 59 * 60_000, HOUR, 3);
    addToBuckets(buckets, NOW + HOUR, HOUR);
    expect(buckets).toEqual({ [String(NOW / HOUR)]: 4, [String(NOW / HOUR + 1)]: 1 });
  });

  it('uses day buckets when asked', () => {
    const buckets: Buckets = {};
    addToBuckets(buckets, Date.parse('2026-11-23T00:00:00Z'), DAY);
    addToBuckets(buckets, Date.parse('2026-11-23T23:59:59Z'), DAY);
    expect(Object.values(buckets)).toEqual([2]);
  });
});

describe('sumWithin', () => {
  it('counts the buckets inside (now - window, now] and nothing outside', () => {
    const buckets: Buckets = {};
    addToBuckets(buckets, NOW, HOUR); // this hour
    addToBuckets(buckets, NOW - 6 * DAY, HOUR); // inside 7 days
    addToBuckets(buckets, NOW - 7 * DAY - HOUR, HOUR); // outside
    addToBuckets(buckets, NOW + HOUR, HOUR); // the future
    expect(sumWithin(buckets, NOW, 7 * DAY, HOUR)).toBe(2);
    expect(sumWithin(buckets, NOW, HOUR, HOUR)).toBe(1);
  });

  it('drops a hit once the window has passed it (one-bucket precision)', () => {
    const buckets: Buckets = {};
    const at = NOW + 30 * 60_000; // 10:30 local
    addToBuckets(buckets, at, HOUR);
    expect(sumWithin(buckets, at + 7 * DAY - HOUR, 7 * DAY, HOUR)).toBe(1);
    expect(sumWithin(buckets, at + 7 * DAY + HOUR, 7 * DAY, HOUR)).toBe(0);
  });

  it('is 0 for empty buckets', () => {
    expect(sumWithin({}, NOW, DAY, HOUR)).toBe(0);
  });
});

describe('pruneBuckets', () => {
  it('drops only buckets entirely older than the window, keeping what sumWithin still counts', () => {
    const buckets: Buckets = {};
    for (let h = 0; h < 10 * 24; h++) addToBuckets(buckets, NOW - h * HOUR, HOUR);
    const before = sumWithin(buckets, NOW, 7 * DAY, HOUR);
    pruneBuckets(buckets, NOW, 7 * DAY, HOUR);
    expect(sumWithin(buckets, NOW, 7 * DAY, HOUR)).toBe(before);
    expect(before).toBe(7 * 24);
    const oldest = Math.min(...Object.keys(buckets).map(Number));
    expect(oldest).toBeGreaterThanOrEqual(Math.floor((NOW - 7 * DAY) / HOUR));
    expect(Object.keys(buckets).length).toBeLessThanOrEqual(7 * 24 + 1);
  });

  it('keeps the bucket count bounded however many events arrive (seeded)', () => {
    const random = prng(42);
    const buckets: Buckets = {};
    let now = NOW;
    for (let i = 0; i < 5000; i++) {
      now += Math.floor(random() * 2 * HOUR);
      addToBuckets(buckets, now, HOUR);
      pruneBuckets(buckets, now, 7 * DAY, HOUR);
      expect(Object.keys(buckets).length).toBeLessThanOrEqual(7 * 24 + 1);
    }
  });
});

describe('touchLastSeen', () => {
  it('keeps the latest time per key, even when an older sighting arrives later', () => {
    const map: Record<string, number> = {};
    touchLastSeen(map, 'u1', NOW, 14 * DAY, 10);
    touchLastSeen(map, 'u1', NOW - HOUR, 14 * DAY, 10);
    expect(map).toEqual({ u1: NOW });
  });

  it('forgets keys older than `keep` before the newest sighting', () => {
    const map: Record<string, number> = {};
    touchLastSeen(map, 'old', NOW - 15 * DAY, 14 * DAY, 10);
    touchLastSeen(map, 'new', NOW, 14 * DAY, 10);
    expect(Object.keys(map)).toEqual(['new']);
  });

  it('keeps only the `max` most recent keys', () => {
    const map: Record<string, number> = {};
    for (let i = 0; i < 8; i++) touchLastSeen(map, `u${i}`, NOW + i * 1000, 14 * DAY, 5);
    expect(Object.keys(map).sort()).toEqual(['u3', 'u4', 'u5', 'u6', 'u7']);
  });
});

describe('countSince', () => {
  it('counts entries strictly after `since`', () => {
    expect(countSince({ a: 10, b: 20, c: 30 }, 20)).toBe(1);
    expect(countSince({ a: 10, b: 20, c: 30 }, 9)).toBe(3);
    expect(countSince({}, 0)).toBe(0);
  });
});
