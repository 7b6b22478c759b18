/**
 * `npm run bench` — pls against this machine's own limits, in one run (issue 8). Every figure
 * is measured next to a baseline from the same run; see BENCHMARKS.md for what each means.
 *
 *   npm run bench                     full run (a few minutes), rewrites bench/results.json and BENCHMARKS.md's table
 *   npm run bench -- --quick          tiny sizes: a smoke test of the whole pipeline (~1 minute)
 *   npm run bench -- --only=ingest,sweep   some phases: ingest, open-loop, latency, batch, sweep, commands
 *   npm run bench -- --no-pin         do not pin processes to cores
 *   npm run bench -- --profile=DIR    write --cpu-prof profiles of the pls processes to DIR
 *   npm run bench -- --strict         exit 1 when a target is not met
 *   npm run bench -- --db=postgres    on Postgres (PLS_BENCH_POSTGRES_URL, else a throwaway cluster):
 *                                     ingest, open loop and ack → alert against a bare Postgres
 *                                     server, two instances on one database, and the commands; writes
 *                                     bench/results-postgres.json and its own BENCHMARKS.md table
 *
 * Only loopback traffic; every loop is bounded in count and time, and the run stops itself.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { alertLatency } from './phases/alert-latency.js';
import { batchIngest } from './phases/batch.js';
import { commandTimes } from './phases/commands.js';
import {
  type ClosedRun,
  closedLoop,
  type OpenRun,
  openLoop,
  openLoopFigures,
  type ServerKind,
  singleIngestFigures,
} from './phases/ingest.js';
import { sweepTimes } from './phases/sweep.js';
import { canPin, pinSelf, ROOT } from './support/child.js';
import { createContext } from './support/context.js';
import { describeMachine } from './support/machine.js';
import { startBenchPostgres } from './support/postgres.js';
import {
  type Figure,
  type Results,
  terminalTable,
  updateBenchmarksMd,
  writeResults,
} from './support/report.js';

const PHASES = ['ingest', 'open-loop', 'latency', 'batch', 'sweep', 'commands'] as const;
type Phase = (typeof PHASES)[number];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = flag('quick');
const only = value('only')?.split(',') as Phase[] | undefined;
for (const phase of only ?? []) {
  if (!PHASES.includes(phase)) {
    process.stderr.write(`unknown phase "${phase}": use ${PHASES.join(', ')}\n`);
    process.exit(2);
  }
}
const db = value('db') ?? 'sqlite';
if (db !== 'sqlite' && db !== 'postgres') {
  process.stderr.write(`unknown --db "${db}": use sqlite or postgres\n`);
  process.exit(2);
}
const onPostgres = db === 'postgres';
/** What runs on Postgres so far; the others seed or read the SQLite file (BENCHMARKS.md says so). */
const POSTGRES_PHASES: readonly Phase[] = ['ingest', 'open-loop', 'latency', 'commands'];
const runs = (phase: Phase) =>
  (!only || only.includes(phase)) && (!onPostgres || POSTGRES_PHASES.includes(phase));
const machine = describeMachine();
const pin = !flag('no-pin') && canPin(machine.nproc);
const profileDir = value('profile') ? resolve(value('profile')!) : null;

// The run bounds itself: past this, whatever was measured is reported and the run ends.
const LIMIT_MS = quick ? 4 * 60_000 : 9 * 60_000;
const started = performance.now();
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: stopped after ${LIMIT_MS / 60_000} minutes (its own limit)\n`);
  finish(true);
}, LIMIT_MS);
watchdog.unref();

if (pin) pinSelf(0);
// pls runs as `npm start` runs it: its build first (the package's own build script).
execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
const ctx = await createContext({
  quick,
  pin,
  profileDir,
  postgres: onPostgres ? await startBenchPostgres((message) => process.stderr.write(`${message}\n`)) : null,
});
const figures: Figure[] = [];
const notes: string[] = [];
ctx.log(
  `pls bench, ${quick ? 'quick' : 'full'} mode on ${machine.nproc} cores (${machine.cpuModel}), load average ${machine.loadAtStart}`,
);
if (machine.loadAtStart > 0.5)
  notes.push(
    `Other work was running (load average ${machine.loadAtStart} at the start): the CPU other processes took during each figure is its \`cpu.other\` in bench/${onPostgres ? 'results-postgres.json' : 'results.json'}, and the time the host took from this VM's CPUs is its \`cpu.stolen\` (both on the "cores" line in the terminal).`,
  );

async function phase(name: Phase, work: () => Promise<void>): Promise<void> {
  if (!runs(name)) return;
  try {
    await work();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    ctx.log(`${name} failed: ${message}`);
    notes.push(`Phase ${name} failed: ${message}`);
  }
}

if (onPostgres)
  notes.push(
    `On Postgres: ${ctx.postgres!.describe}. Measured so far: ingest, the open loop, ack → alert and the commands (their database seeded as SQLite and copied in with \`npm run db:copy\`'s code); the batch feed and the sweep measure against bare SQLite baselines and do not run on Postgres yet.`,
  );

await phase('ingest', async () => {
  const kinds: ServerKind[] = onPostgres ? ['bare', 'pls', 'pls ×2'] : ['bare', 'pls'];
  const results: ClosedRun[] = [];
  for (const kind of kinds) results.push(await closedLoop(ctx, kind));
  figures.push(...singleIngestFigures(results, ctx.sizes.connections));
});

await phase('open-loop', async () => {
  const kinds: ServerKind[] = ['bare', 'pls'];
  const results: OpenRun[] = [];
  for (const kind of kinds) results.push(await openLoop(ctx, kind));
  figures.push(...openLoopFigures(results, ctx.sizes.openLoopRate));
});

await phase('latency', async () => {
  figures.push(...(await alertLatency(ctx)));
});

await phase('batch', async () => {
  figures.push(...(await batchIngest(ctx)));
});

await phase('sweep', async () => {
  figures.push(...(await sweepTimes(ctx)));
});

await phase('commands', async () => {
  figures.push(...(await commandTimes(ctx)));
});

await ctx.close();
finish(false);

function finish(cut: boolean): void {
  clearTimeout(watchdog);
  try {
    ctx.removeFiles();
  } catch {
    // cut short before the context existed: nothing to remove
  }
  const cores = onPostgres
    ? pin
      ? 'Servers under test (pls — its event loop runs scoring too on Postgres — and the bare baseline) each ran as their own process pinned to CPU 1; Postgres ran unpinned (the kernel placed its processes on either core); the load generator and the Slack emulator ran in the bench process pinned to CPU 0.'
      : 'No pinning: the kernel placed the servers, Postgres and the load generator.'
    : pin
      ? "Servers under test (pls and the bare baselines) each ran as their own process pinned to CPU 1, except pls's scoring and checkpointer threads, which ran on either core (its event loop and libuv's pool stayed on CPU 1); the load generator and the Slack emulator ran in the bench process pinned to CPU 0."
      : 'No pinning: the kernel placed the server and the load generator.';
  if (cut) notes.push('The run hit its own time limit: figures after that point are missing.');
  const results: Results = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine,
    cores,
    seconds: (performance.now() - started) / 1000,
    figures,
    notes: [...notes, `Code measured: ${revision()}.`],
  };
  process.stdout.write(`\n${terminalTable(figures)}\n\n${cores}\n`);
  for (const note of results.notes) process.stdout.write(`• ${note}\n`);
  const resultsFile = onPostgres ? 'bench/results-postgres.json' : 'bench/results.json';
  writeResults(resolve(ROOT, resultsFile), results);
  process.stdout.write(`\nwrote ${resultsFile}\n`);
  if (
    !quick &&
    !only &&
    updateBenchmarksMd(resolve(ROOT, 'BENCHMARKS.md'), results, onPostgres ? 'postgres' : 'results')
  )
    process.stdout.write("updated BENCHMARKS.md's results table\n");
  const missed = figures.filter((f) => f.target && !f.target.met).length;
  process.exit(cut || (flag('strict') && missed > 0) ? 1 : 0);
}

function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT })
      .toString()
      .trim();
    return dirty ? `${head} with uncommitted changes under src/` : head;
  } catch {
    return 'unknown (no git)';
  }
}
