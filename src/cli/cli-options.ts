import { ConfigError } from '../config/config-error.js';
import { DurationError, parseDuration } from '../config/duration.js';
import { HistoryError } from '../db/history.js';
import { type CodedError, ErrorCode } from '../domain/errors.js';

/**
 * Flags of `npm run replay` and `npm run calibrate`, parsed without a library: a handful of
 * `--name value` pairs and `--json`. Throws `UsageError` with the sentence to print.
 */
export class UsageError extends Error implements CodedError {
  override name = 'UsageError';
  readonly code = ErrorCode.UsageInvalid;
}

/**
 * A command's request from its arguments, or the exit code when there is nothing to run: usage
 * errors are written with the usage (exit 2), `--help` prints it (exit 0).
 */
export function requestOrExit<T>(
  parse: () => T | 'help',
  usage: string,
  io: { output: { write(text: string): unknown }; errors: { write(text: string): unknown } },
): { request: T } | { exit: number } {
  let request: T | 'help';
  try {
    request = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.errors.write(`${error.message}\n${usage}\n`);
    return { exit: 2 };
  }
  if (request === 'help') {
    io.output.write(`${usage}\n`);
    return { exit: 0 };
  }
  return { request };
}

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Flags that stand alone. */
  switches: readonly string[];
}

export function parseFlags(args: readonly string[], spec: FlagSpec): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') ? splitInline(arg.slice(2)) : [null, null];
    if (name === null) throw new UsageError(`unexpected argument "${arg}"`);
    if (spec.switches.includes(name)) {
      if (inline !== null) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (spec.values.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return flags;
}

function splitInline(text: string): [string, string | null] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
}

/** A `--since`-style duration, written like the manifest's (`90d`, `12h`, `P2W`); must be longer than zero. */
export function durationFlag(flags: Map<string, string | true>, name: string, fallback: string): number {
  const value = flags.get(name);
  const text = typeof value === 'string' ? value : fallback;
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new DurationError('must be longer than zero');
    return ms;
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

/**
 * `--until`: the report's "now", an ISO 8601 date or date-time (`2026-09-30`, `2026-09-30T18:00Z`);
 * default `fallback` (the wall clock). A report as of a past date is reproducible.
 */
export function instantFlag(flags: Map<string, string | true>, name: string, fallback: number): number {
  const value = flags.get(name);
  if (typeof value !== 'string') return fallback;
  const at = /^\d{4}-\d\d-\d\d$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value);
  if (!Number.isFinite(at) || !/^\d{4}-\d\d-\d\d/.test(value)) {
    throw new UsageError(
      `--${name}: expected an ISO 8601 date or date-time like 2026-09-30 or 2026-09-30T18:00:00Z, got "${value}"`,
    );
  }
  return at;
}

/**
 * A report command's process: prints what `run` returns, or its error. Exit 0 = report printed,
 * 1 = could not (bad manifest, no database), 2 = usage.
 */
export async function printReport(run: () => string | Promise<string>): Promise<void> {
  try {
    process.stdout.write(await run());
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ConfigError || error instanceof HistoryError))
      throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
