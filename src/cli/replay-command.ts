import { resolve } from 'node:path';
import { databaseFrom, ENV_DEFAULTS, type EnvSource, manifestPathOf } from '../config/env.js';
import { loadManifest } from '../config/manifest.js';
import type { LiveAlert } from '../db/history.js';
import { openHistorySource } from '../db/open-history.js';
import type { Manifest } from '../domain/definition.js';
import { DAY } from '../domain/windows.js';
import { renderReplayText } from '../replay/render-replay-text.js';
import { replayDatabase } from '../replay/replay-database.js';
import { buildReplayReport } from '../replay/replay-report.js';
import { createTerminalProgress, type ProgressStream, SILENT_PROGRESS } from '../report/progress.js';
import { durationFlag, instantFlag, parseFlags, UsageError } from './cli-options.js';

export const REPLAY_USAGE = `usage: npm run replay -- [--manifest FILE] [--since 90d] [--until DATE] [--window 30d] [--jobs N] [--json]

Re-scores the stored event history with FILE (default: the live manifest, PLS_MANIFEST) on the
clock live scoring used, and reports what it would have done over the --since before --until
(default: now): alerts per
week by tier and team, how the alerted accounts ended, the accounts that bought with no alert in
the --window before (missed PQLs), and the diff against the live manifest's replay. --jobs: the
processes to replay in (default: the cores available). On a terminal, progress (events replayed,
rate, time left) goes to stderr; none with --json. Opens the database read-only (DATABASE_URL:
a SQLite file or Postgres, default ${ENV_DEFAULTS.DATABASE_URL}); needs no Slack credentials.`;

/** Pairs replayed alerts with live ones and with each other (see replay-engine.ts). */
export const MATCH_WINDOW = 7 * DAY;

export interface CommandContext {
  now: number;
  /** A monotonic clock in ms, for the "replayed in" figure. */
  clock: () => number;
  cwd: string;
  /** Where the progress line goes when it is a terminal (never with `--json`). */
  stderr?: ProgressStream;
}

/** Runs `npm run replay` and returns what it prints; throws UsageError, ConfigError or HistoryError. */
export async function runReplay(
  args: readonly string[],
  source: EnvSource,
  context: CommandContext,
): Promise<string> {
  const flags = usage(() =>
    parseFlags(args, {
      values: ['manifest', 'since', 'until', 'window', 'jobs'],
      switches: ['json', 'help'],
    }),
  );
  if (flags.has('help')) return `${REPLAY_USAGE}\n`;
  const since = usage(() => durationFlag(flags, 'since', '90d'));
  const window = usage(() => durationFlag(flags, 'window', '30d'));
  const jobs = usage(() => jobsFlag(flags.get('jobs')));
  const now = usage(() => instantFlag(flags, 'until', context.now));

  const livePath = manifestPathOf(source);
  const candidatePath =
    typeof flags.get('manifest') === 'string' ? (flags.get('manifest') as string) : livePath;
  const candidate = loadManifest(candidatePath);
  const same = resolve(context.cwd, candidatePath) === resolve(context.cwd, livePath);
  const live: Manifest = same ? candidate : loadManifest(livePath);
  const database = databaseFrom(source);
  const history = await openHistorySource(database);
  let liveAlerts: LiveAlert[];
  try {
    liveAlerts = await history.liveAlerts();
  } finally {
    await history.close();
  }
  const progress = context.stderr
    ? createTerminalProgress(context.stderr, { enabled: !flags.has('json'), clock: context.clock })
    : SILENT_PROGRESS;
  const started = context.clock();
  const replay = await replayDatabase({
    database,
    manifests: same ? [candidate] : [candidate, live],
    liveAlerts,
    matchWindow: MATCH_WINDOW,
    purchaseLookback: window,
    until: now,
    jobs,
    progress,
  }).finally(() => progress.end());
  const durationMs = context.clock() - started;
  const report = buildReplayReport({
    replay,
    candidate: { lane: 0, label: candidatePath },
    baseline: { lane: same ? 0 : 1, label: livePath },
    liveAlerts,
    from: now - since,
    to: now,
    window,
    matchWindow: MATCH_WINDOW,
    durationMs,
  });
  return flags.has('json')
    ? `${JSON.stringify(report, null, 2)}\n`
    : renderReplayText(report, candidate.timezone);
}

function jobsFlag(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)
    throw new UsageError('--jobs: a whole number from 1 to 64');
  return jobs;
}

function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}\n${REPLAY_USAGE}`);
    throw error;
  }
}
