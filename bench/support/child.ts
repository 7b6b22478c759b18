import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Every process this run started and has not seen exit: killed (by pid) if the run is cut short. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) if (child.exitCode === null) child.kill('SIGKILL');
});

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Whether `taskset` can pin processes here (Linux with util-linux, 2+ cores). */
export function canPin(cores: number): boolean {
  return cores >= 2 && spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of this process to `cpu` (the load generator and the emulator). */
export function pinSelf(cpu: number): void {
  spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

export interface Child {
  pid: number;
  url: string;
  port: number;
  /** The last 64 KB of stdout and stderr. */
  output(): string;
  /** Peak resident set (VmHWM) and current (VmRSS), in MiB, from /proc/<pid>/status. */
  memory(): { peakMiB: number; rssMiB: number };
  /** User + system CPU seconds the process has used so far (/proc/<pid>/stat). */
  cpuSeconds(): number;
  stop(): Promise<number | null>;
}

export interface ChildOptions {
  /** A script under the repository: `node <script>` when it is built .js, else `node --import tsx <script>`. */
  script: string;
  env: Record<string, string>;
  /** Pin to this CPU with taskset (null: let the kernel place it). */
  cpu: number | null;
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Starts a server script as its own process (like test/support/child-process.ts does for
 * pls), resolving once it logs a JSON line with `"port":N` and "listening". Only ever stops
 * the process it started, by its pid.
 */
export async function startChild(options: ChildOptions): Promise<Child> {
  const { child, output } = spawnNode(options);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const timeoutMs = options.timeoutMs ?? 30_000;

  const port = await new Promise<number>((done, fail) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${options.script} did not start within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"port":(\d+)/.exec(seen);
      if (match && seen.includes('listening')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        done(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${options.script} exited with ${code} before listening:\n${output()}`));
    });
  });
  const pid = child.pid!;

  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
      return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
    },
    cpuSeconds: () => cpuSecondsOf(pid),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** utime + stime of a process, in seconds (clock ticks are 100 a second on Linux). */
export function cpuSecondsOf(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs a script to its end as its own (pinned) process and returns the last JSON line it printed. */
export function runScript<T>(options: ChildOptions): Promise<T> {
  return new Promise<T>((done, fail) => {
    const { child, output } = spawnNode(options);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = output()
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !line) fail(new Error(`${options.script} exited with ${code}:\n${output()}`));
      else done(JSON.parse(line) as T);
    });
  });
}

function nodeArgsFor(options: ChildOptions): string[] {
  const loader = options.script.endsWith('.js') ? [] : ['--import', 'tsx'];
  return [...(options.nodeArgs ?? []), ...loader, options.script];
}

/**
 * `node` on the script (pinned with taskset when `cpu` is set), with only PATH, HOME and the
 * given env; keeps the last 64 KB of its stdout and stderr. Tracked, so the bench stops it.
 */
function spawnNode(options: ChildOptions): { child: ChildProcess; output: () => string } {
  const args = nodeArgsFor(options);
  const [command, argv] =
    options.cpu === null
      ? [process.execPath, args]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => output };
}
