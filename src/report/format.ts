import { DateTime } from 'luxon';

/** Text helpers shared by the replay and calibration renderers (terminal and Slack). */

/** "8 %", "87.5 %": tenths, rounded down by default so 9.96 % never reads "10 %" next to "too loose". */
export function percent(rate: number, round: (x: number) => number = Math.floor): string {
  const tenths = rate * 1000;
  const nearest = Math.round(tenths);
  const value = Math.abs(tenths - nearest) < 1e-6 ? nearest : round(tenths);
  return `${value / 10} %`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${count(n)} ${n === 1 ? noun : many}`;
}

/** `2026-11-23` in the given zone. */
export function day(at: number, zone = 'UTC'): string {
  return DateTime.fromMillis(at, { zone }).toISODate() ?? new Date(at).toISOString().slice(0, 10);
}

export function fixed(value: number | null, digits = 2): string {
  return value === null ? '—' : value.toFixed(digits);
}

export function words(id: string): string {
  return id.replaceAll('_', ' ');
}

/** A plain terminal table: the first `textColumns` columns left-aligned, the numbers right-aligned. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns = 1,
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
