import { describe, expect, it } from 'vitest';
import { MORE_NEEDED_CAP, pqlVerdict, wilsonInterval } from '../../../src/domain/pql-verdict.js';

describe('wilsonInterval', () => {
  it('matches the textbook 95 % interval', () => {
    // 3 of 7: 0.158–0.750 (Wilson score interval, z = 1.96).
    const [low, high] = wilsonInterval(3, 7);
    expect(low).toBeCloseTo(0.158, 3);
    expect(high).toBeCloseTo(0.75, 3);
    // 0 of 10 stays inside [0, 1]: 0–0.278.
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.278, 3);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
  });
});

describe('pqlVerdict', () => {
  it('has no verdict and no count without outcomes', () => {
    expect(pqlVerdict(0, 0)).toEqual({ verdict: 'undecided', interval: null, moreNeeded: null });
  });

  it('finds the fewest more outcomes, at the same rate, that settle it', () => {
    // 3 of 7 is 43 %, just above the band: it takes about 1,130 more to tell it from 40 %.
    const { verdict, moreNeeded } = pqlVerdict(3, 7);
    expect(moreNeeded).toBeGreaterThan(1000);
    expect(verdict).toBe('undecided');
    const rate = 3 / 7;
    const settles = (more: number) => pqlVerdict(rate * (7 + more), 7 + more).verdict !== 'undecided';
    expect(settles(moreNeeded!)).toBe(true);
    expect(settles(moreNeeded! - 1)).toBe(false);
  });

  it('gives up past the cap when the rate sits on a band edge', () => {
    expect(pqlVerdict(40, 100)).toMatchObject({ verdict: 'undecided', moreNeeded: null });
    expect(MORE_NEEDED_CAP).toBe(10_000);
  });

  it('needs 35 outcomes without a win to call a definition too loose', () => {
    expect(pqlVerdict(0, 34).verdict).toBe('undecided');
    expect(pqlVerdict(0, 35).verdict).toBe('too-loose');
    expect(pqlVerdict(0, 1).moreNeeded).toBe(34);
  });
});
