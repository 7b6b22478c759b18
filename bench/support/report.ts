import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CpuUse } from './context.js';
import type { Machine } from './machine.js';

/** One measured figure, with the baseline it is read against and its target. */
export interface Figure {
  id: string;
  what: string;
  value: number;
  unit: string;
  /** Secondary numbers for the table ("p50 3.1 ms · p99 9.8 ms"). */
  detail?: string;
  baseline?: { what: string; value: number; unit: string; detail?: string };
  /** pls ÷ baseline (for a throughput, higher is better; for a latency, lower is better). */
  ratio?: number;
  target?: { text: string; met: boolean };
  /** Cores used during the window: the server, the load generator, everything else. */
  cpu?: CpuUse;
  /** Anything else worth keeping in results.json. */
  data?: Record<string, unknown>;
}

export interface Results {
  generatedAt: string;
  mode: 'full' | 'quick';
  machine: Machine;
  cores: string;
  seconds: number;
  figures: Figure[];
  notes: string[];
}

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

/** A number with a sensible precision for its size. */
export function auto(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  return fmt(value, abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

function cells(figure: Figure): string[] {
  const pls = `${auto(figure.value)} ${figure.unit}${figure.detail ? ` (${figure.detail})` : ''}`;
  const base = figure.baseline
    ? `${auto(figure.baseline.value)} ${figure.baseline.unit} ${figure.baseline.what}${figure.baseline.detail ? ` (${figure.baseline.detail})` : ''}`
    : '—';
  const ratio = figure.ratio === undefined ? '—' : `${fmt(figure.ratio * 100)} %`;
  const target = figure.target
    ? `${figure.target.met ? '✅ met' : '❌ not met'} (${figure.target.text})`
    : '—';
  return [figure.what, pls, base, ratio, target];
}

const HEADER = ['figure', 'pls', 'baseline (same run)', 'pls ÷ baseline', 'target'];

function markdownTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => `| ${cells(f).join(' | ')} |`);
  return [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`, ...rows].join('\n');
}

/** The terminal table: one block per figure (wide cells read badly in columns). */
export function terminalTable(figures: readonly Figure[]): string {
  const lines: string[] = [];
  for (const figure of figures) {
    const [what, pls, base, ratio, target] = cells(figure);
    lines.push(`● ${what}`);
    lines.push(`    pls       ${pls}`);
    if (figure.baseline) lines.push(`    baseline  ${base}   → ${ratio}`);
    if (figure.target) lines.push(`    target    ${target}`);
    if (figure.cpu)
      lines.push(
        `    cores     server ${fmt(figure.cpu.server, 2)} · load generator ${fmt(figure.cpu.client, 2)} · other processes ${fmt(figure.cpu.other, 2)} · stolen by the host ${fmt(figure.cpu.stolen, 2)}`,
      );
  }
  return lines.join('\n');
}

/** bench/results.json, rewritten whole on every run (written aside, then renamed over). */
export function writeResults(path: string, results: Results): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Replaces a generated block of BENCHMARKS.md (between its `bench:<block>` markers: `results`
 * for SQLite, `postgres` for `--db=postgres`) with this run's table.
 */
export function updateBenchmarksMd(path: string, results: Results, block: 'results' | 'postgres'): boolean {
  const START = `<!-- bench:${block}:start -->`;
  const END = `<!-- bench:${block}:end -->`;
  if (!existsSync(resolve(path))) return false;
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) return false;
  const m = results.machine;
  const table = [
    START,
    `Run of ${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC, ${results.mode} mode, ${Math.round(results.seconds)} s: ` +
      `${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}. ${results.cores} ` +
      `Load average when it started: ${fmt(m.loadAtStart, 2)}.`,
    '',
    markdownTable(results.figures),
    '',
    ...results.notes.map((n) => `- ${n}`),
    END,
  ].join('\n');
  writeFileSync(path, text.slice(0, from) + table + text.slice(to + END.length));
  return true;
}
