import { describe, expect, it } from 'vitest';
import {
  createProgressMeter,
  createTerminalProgress,
  duration,
  progressLine,
} from '../../../src/report/progress.js';

describe('createProgressMeter', () => {
  it('measures the rate over the last seconds and the time left at that rate', () => {
    const meter = createProgressMeter({ total: 1_000_000 });
    expect(meter.update(0, 0)).toEqual({ done: 0, total: 1_000_000, rate: null, leftMs: null });
    expect(meter.update(20_000, 1000)).toEqual({
      done: 20_000,
      total: 1_000_000,
      rate: 20_000,
      leftMs: 49_000,
    });
    // Slower now: after 5 s the first samples fall out of the window and the rate follows.
    for (let t = 2000; t <= 12_000; t += 1000) meter.update(20_000 + ((t - 1000) / 1000) * 10_000, t);
    const reading = meter.read();
    expect(reading.done).toBe(130_000);
    expect(reading.rate).toBeCloseTo(10_000, 6);
    expect(reading.leftMs).toBeCloseTo(87_000, 3);
  });

  it('draws at most four times a second', () => {
    const meter = createProgressMeter({ total: 100 });
    const drawn = [0, 50, 100, 200, 250, 260, 499, 500, 740, 760].filter(
      (at, i) => meter.update(i, at) !== null,
    );
    expect(drawn).toEqual([0, 250, 500, 760]);
  });

  it('has no time left without a total, and no rate from a standstill', () => {
    const open = createProgressMeter({ total: null });
    open.update(0, 0);
    expect(open.update(5000, 1000)).toMatchObject({ rate: 5000, leftMs: null });
    const stuck = createProgressMeter({ total: 10 });
    stuck.update(3, 0);
    expect(stuck.update(3, 1000)).toMatchObject({ rate: 0, leftMs: null });
  });
});

describe('progressLine', () => {
  it('says events replayed, the rate and the time left', () => {
    expect(
      progressLine('replaying', { done: 412_300, total: 1_000_000, rate: 18_204.4, leftMs: 32_300 }),
    ).toBe('replaying · 412,300 of 1,000,000 events (41 %) · 18,204 events/s · about 33 s left');
    expect(progressLine('replaying', { done: 5, total: null, rate: null, leftMs: null })).toBe(
      'replaying · 5 events',
    );
    expect(duration(185_000)).toBe('3 min 5 s');
    expect(duration(3_720_000)).toBe('1 h 2 min');
    expect(duration(1)).toBe('1 s');
  });
});

describe('createTerminalProgress', () => {
  const stream = (isTTY: boolean) => {
    const writes: string[] = [];
    return { isTTY, columns: 200, writes, write: (text: string) => writes.push(text) };
  };

  it('redraws one line in place on a terminal, at most 4 Hz, and erases it at the end', () => {
    const tty = stream(true);
    let now = 0;
    const progress = createTerminalProgress(tty, { enabled: true, clock: () => now });
    progress.start('replaying', 100_000);
    for (let i = 1; i <= 100; i++) {
      now = i * 10; // 100 updates over one second
      progress.update(i * 1000);
    }
    progress.end();
    expect(tty.writes.length).toBeLessThanOrEqual(1 + 4 + 1);
    expect(tty.writes[0]).toBe('\rreplaying · 0 of 100,000 events (0 %)\u001b[K');
    expect(tty.writes[1]).toBe(
      '\rreplaying · 25,000 of 100,000 events (25 %) · 100,000 events/s · about 1 s left\u001b[K',
    );
    expect(tty.writes.at(-1)).toBe('\r\u001b[K');
    expect(tty.writes.join('')).not.toContain('\n');
  });

  it('stays quiet without a terminal, and with --json', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const s = stream(isTTY);
      const progress = createTerminalProgress(s, { enabled, clock: () => 0 });
      progress.start('replaying', 10);
      progress.update(5);
      progress.end();
      expect(s.writes).toEqual([]);
    }
  });
});
