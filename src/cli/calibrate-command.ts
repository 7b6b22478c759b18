import { type CalibrationReport, calibrate } from '../calibration/calibration.js';
import { renderCalibrationText } from '../calibration/render-calibration.js';
import { databaseFrom, ENV_DEFAULTS, type EnvSource, manifestPathOf } from '../config/env.js';
import { loadManifest } from '../config/manifest.js';
import { openHistorySource } from '../db/open-history.js';
import { playNamed } from '../domain/play.js';
import { createTerminalProgress, type ProgressStream } from '../report/progress.js';
import { durationFlag, instantFlag, parseFlags, UsageError } from './cli-options.js';

export const CALIBRATE_USAGE = `usage: npm run calibrate -- [--manifest FILE] [--play ID] [--since 180d] [--until DATE] [--window 30d] [--json]

Joins the live alerts of the --since before --until (default: now) with what happened next (rep outcomes, self-serve
purchases within --window) and reports, per signal and metric of FILE (default: the live manifest,
PLS_MANIFEST): how often it was present at alert time, conversion with and without it, lift; per
tier: PQL→won against the 10–40 % band; and a regularised logistic regression that suggests
points and a threshold, recommended as a change only when it beats today's definition on held-out
alerts and in replay (else: keep today's, with both figures). Threshold advice follows the band
(too tight: lower, too loose: higher) with its cost measured by replay. Replays the event history to
describe each alert (src/calibration/calibration.ts); on a terminal, progress goes to stderr. Opens the database read-only
(DATABASE_URL: a SQLite file or Postgres, default ${ENV_DEFAULTS.DATABASE_URL}); needs no Slack credentials.
--play calibrates one play of the manifest (default new_business): its alerts, signals and metrics;
another play's conversion is its rep outcome won (churn risk: retained), with no PQL→won band.`;

/** Runs `npm run calibrate` and returns what it prints; throws UsageError, ConfigError or HistoryError. */
export async function runCalibrate(
  args: readonly string[],
  source: EnvSource,
  context: {
    now: number;
    /** Where the progress line goes when it is a terminal (never with `--json`), and its clock. */
    stderr?: ProgressStream;
    clock?: () => number;
  },
): Promise<string> {
  let flags: Map<string, string | true>;
  let since: number;
  let window: number;
  let now: number;
  try {
    flags = parseFlags(args, {
      values: ['manifest', 'play', 'since', 'until', 'window'],
      switches: ['json', 'help'],
    });
    since = durationFlag(flags, 'since', '180d');
    window = durationFlag(flags, 'window', '30d');
    now = instantFlag(flags, 'until', context.now);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}\n${CALIBRATE_USAGE}`);
    throw error;
  }
  if (flags.has('help')) return `${CALIBRATE_USAGE}\n`;
  const path =
    typeof flags.get('manifest') === 'string' ? (flags.get('manifest') as string) : manifestPathOf(source);
  const manifest = loadManifest(path);
  const playArg = flags.get('play');
  const play = typeof playArg === 'string' ? playNamed(manifest.plays, playArg) : manifest.plays[0]!;
  if (!play) {
    const ids = manifest.plays.map((p) => p.id).join(', ');
    throw new UsageError(`--play ${playArg}: not a play of ${path} (plays: ${ids})\n${CALIBRATE_USAGE}`);
  }
  const history = await openHistorySource(databaseFrom(source));
  try {
    const progress =
      context.stderr && context.clock
        ? createTerminalProgress(context.stderr, { enabled: !flags.has('json'), clock: context.clock })
        : undefined;
    let report: CalibrationReport;
    try {
      report = await calibrate(history, manifest, { play: play.id, since, window, now, progress });
    } finally {
      progress?.end();
    }
    return flags.has('json')
      ? `${JSON.stringify(report, null, 2)}\n`
      : renderCalibrationText(report, path, manifest.timezone);
  } finally {
    await history.close();
  }
}
