import type { Database } from '../config/env.js';
import type { Manifest } from '../config/manifest.js';
import { DAY } from '../domain/windows.js';
import type { CalibrationReport } from './calibration.js';
import type { CalibrationRequest } from './calibration-worker.js';
import { runInChild } from './child-task.js';

/**
 * Calibration for the bot's own commands, off the event loop: a replay of a large history takes
 * seconds of synchronous CPU, which inside the bot would stall ingest, Slack and the sweep, and
 * could never fit Slack's 3-second command window anyway. So `/pls calibrate` acks at once and
 * this runs `calibrate` in a child process (its own read-only connection); the caller posts the
 * result.
 */
export function calibrateOffThread(
  request: CalibrationRequest,
  options: { timeoutMs?: number } = {},
): Promise<CalibrationReport> {
  return runInChild<CalibrationRequest, CalibrationReport>('calibration-worker', request, {
    timeoutMs: options.timeoutMs,
    execArgv: ['--max-semi-space-size=64'],
  });
}

/**
 * What the bot keeps: the latest report (for the `/pls sla` headline, which must answer within
 * 3 s and so never calibrates itself) and one calibration at a time (a second `/pls calibrate`
 * while one runs shares it).
 */
export function createCalibrationRunner(deps: {
  /** The database the history is read from (read-only, in the child). */
  database: Database;
  manifest: Manifest;
  now: () => number;
  timeoutMs?: number;
}) {
  let latest: CalibrationReport | null = null;
  let running: Promise<CalibrationReport> | null = null;
  return {
    /** The last report that completed, or null before the first. */
    latest(): CalibrationReport | null {
      return latest;
    },
    /** True while a calibration runs. */
    busy(): boolean {
      return running !== null;
    },
    run(options: { since?: number; window?: number } = {}): Promise<CalibrationReport> {
      running ??= calibrateOffThread(
        { database: deps.database, manifest: deps.manifest, now: deps.now(), ...options },
        { timeoutMs: deps.timeoutMs },
      )
        .then((report) => {
          latest = report;
          return report;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
  };
}

export type CalibrationRunner = ReturnType<typeof createCalibrationRunner>;

export const CALIBRATE_PERIODS: Readonly<Record<string, number>> = {
  '90d': 90 * DAY,
  '180d': 180 * DAY,
  '365d': 365 * DAY,
};

/** `/pls calibrate [90d|180d|365d]`: the period (default 180 days), or the sentence to answer. */
export function parseCalibrateArgs(
  args: readonly string[],
): { since: number; label: string } | { error: string } {
  if (args.length === 0) return { since: CALIBRATE_PERIODS['180d']!, label: '180d' };
  const label = args[0]!.toLowerCase();
  const since = CALIBRATE_PERIODS[label];
  if (args.length > 1 || since === undefined) {
    return {
      error: `Usage: \`/pls calibrate [${Object.keys(CALIBRATE_PERIODS).join('|')}]\` (default 180d).`,
    };
  }
  return { since, label };
}
