import { count } from './format.js';

/**
 * Progress of a long replay, for a person at a terminal: events replayed, the rate, the time
 * left. A replay of a million events takes the better part of a minute, and a silent terminal
 * for that long reads as a hang (issue 19). Pure maths here — the clock is injected — and the
 * writer (`createTerminalProgress`) only decides where the line goes.
 *
 * **Rate.** Events per second over the last `RATE_WINDOW_MS` (the samples kept), not since the
 * start: a replay's speed changes (the second pass of a calibration, a shard finishing early),
 * and the time left should follow what it does now. Until a second sample exists, no rate.
 */
const RATE_WINDOW_MS = 5_000;
/** At most this often a line is drawn (4 Hz): fast enough to look alive, cheap enough to ignore. */
const DRAW_EVERY_MS = 250;

interface Sample {
  at: number;
  done: number;
}

export interface ProgressReading {
  done: number;
  /** null when the total is not known. */
  total: number | null;
  /** Events per second; null before there are two samples a moment apart. */
  rate: number | null;
  /** Milliseconds left at the current rate; null without a rate or a total. */
  leftMs: number | null;
}

export interface ProgressMeter {
  /** Records that `done` events are replayed at `at`; returns a reading when a line is due (≤ 4 Hz). */
  update(done: number, at: number): ProgressReading | null;
  /** The latest reading, due or not. */
  read(): ProgressReading;
}

export function createProgressMeter(options: { total: number | null; drawEveryMs?: number }): ProgressMeter {
  const drawEvery = options.drawEveryMs ?? DRAW_EVERY_MS;
  const samples: Sample[] = [];
  let lastDrawn = Number.NEGATIVE_INFINITY;
  const read = (): ProgressReading => {
    const first = samples[0];
    const last = samples.at(-1);
    const done = last?.done ?? 0;
    const span = first && last ? last.at - first.at : 0;
    const rate = first && last && span > 0 ? ((last.done - first.done) * 1000) / span : null;
    const total = options.total;
    const leftMs =
      total === null || rate === null || rate <= 0 ? null : (Math.max(0, total - done) * 1000) / rate;
    return { done, total, rate, leftMs };
  };
  return {
    update(done, at) {
      samples.push({ at, done });
      while (samples.length > 2 && at - samples[0]!.at > RATE_WINDOW_MS) samples.shift();
      if (at - lastDrawn < drawEvery) return null;
      lastDrawn = at;
      return read();
    },
    read,
  };
}

/** "replaying · 412,300 of 1,000,000 events (41 %) · 18,200 events/s · about 32 s left". */
export function progressLine(label: string, reading: ProgressReading): string {
  const { done, total, rate, leftMs } = reading;
  const parts = [label];
  parts.push(
    total === null
      ? `${count(done)} events`
      : `${count(done)} of ${count(total)} events (${total === 0 ? 100 : Math.floor((done / total) * 100)} %)`,
  );
  if (rate !== null) parts.push(`${count(Math.round(rate))} events/s`);
  if (leftMs !== null) parts.push(`about ${duration(leftMs)} left`);
  return parts.join(' · ');
}

/** "45 s", "3 min 5 s", "1 h 2 min": whole seconds, up, so the last seconds never read "0 s left". */
export function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What a replay reports to: events replayed so far (a running count, per pass of `label`). */
export interface ReplayProgress {
  /** A new pass over `total` events (null: not known) begins, under `label`. */
  start(label: string, total: number | null): void;
  /** `done` events of this pass are replayed. Cheap: call it as often as convenient. */
  update(done: number): void;
  /** The replay is over: the line is cleared. */
  end(): void;
}

/** Reports to nobody: no terminal, `--json`, tests. */
export const SILENT_PROGRESS: ReplayProgress = { start() {}, update() {}, end() {} };

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * One line on `stream` that redraws in place (`\r` and erase-to-end-of-line), at most 4 Hz, and is
 * erased at the end, so nothing of it stays above the report. Only for a terminal: `enabled`
 * false (or a stream that is not a TTY) gives `SILENT_PROGRESS`, so a pipe, a log file or `--json`
 * never sees an escape sequence.
 */
export function createTerminalProgress(
  stream: ProgressStream,
  options: { enabled: boolean; clock: () => number },
): ReplayProgress {
  if (!options.enabled || !stream.isTTY) return SILENT_PROGRESS;
  let meter: ProgressMeter | null = null;
  let label = '';
  let drawn = false;
  const draw = (reading: ProgressReading) => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write(`\r${progressLine(label, reading).slice(0, width)}\u001b[K`);
    drawn = true;
  };
  return {
    start(next, total) {
      label = next;
      meter = createProgressMeter({ total });
      meter.update(0, options.clock());
      draw(meter.read());
    },
    update(done) {
      const reading = meter?.update(done, options.clock());
      if (reading) draw(reading);
    },
    end() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
      meter = null;
    },
  };
}
