import type { Database } from '../config/env.js';
import type { Manifest, Play } from '../domain/definition.js';
import { NEW_BUSINESS, playNamed } from '../domain/play.js';
import { DAY } from '../domain/windows.js';
import { runInChild } from '../runtime/child-task.js';
import { moduleBeside } from '../runtime/module-path.js';
import type { CalibrationReport } from './calibration.js';
import type { CalibrationRequest } from './calibration-worker.js';

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
  return runInChild<CalibrationRequest, CalibrationReport>(
    moduleBeside(import.meta.url, 'calibration-worker'),
    request,
    {
      timeoutMs: options.timeoutMs,
      execArgv: ['--max-semi-space-size=64'],
    },
  );
}

/**
 * What the bot keeps: the latest report of each play (for the `/pls sla` headline, which must
 * answer within 3 s and so never calibrates itself). Calibrations run one at a time, whatever
 * their play (each is a replay in a child process, and the bot's host has few cores); a second
 * `/pls calibrate` of a play while one of it runs or waits shares it.
 */
export function createCalibrationRunner(deps: {
  /** The database the history is read from (read-only, in the child). */
  database: Database;
  manifest: Manifest;
  now: () => number;
  timeoutMs?: number;
}) {
  const latest = new Map<string, CalibrationReport>();
  const pending = new Map<string, Promise<CalibrationReport>>();
  /** The calibration before the next one: they run in turn. */
  let line: Promise<unknown> = Promise.resolve();
  return {
    /** The play's last report that completed, or null before the first. */
    latest(play: string = NEW_BUSINESS): CalibrationReport | null {
      return latest.get(play) ?? null;
    },
    run(options: { play?: string; since?: number; window?: number } = {}): Promise<CalibrationReport> {
      const play = options.play ?? NEW_BUSINESS;
      const shared = pending.get(play);
      if (shared) return shared;
      const run = line
        .then(() =>
          calibrateOffThread(
            { database: deps.database, manifest: deps.manifest, now: deps.now(), ...options, play },
            { timeoutMs: deps.timeoutMs },
          ),
        )
        .then((report) => {
          latest.set(play, report);
          return report;
        })
        .finally(() => pending.delete(play));
      pending.set(play, run);
      line = run.catch(() => {});
      return run;
    },
  };
}

export type CalibrationRunner = ReturnType<typeof createCalibrationRunner>;

export const CALIBRATE_PERIODS: Readonly<Record<string, number>> = {
  '90d': 90 * DAY,
  '180d': 180 * DAY,
  '365d': 365 * DAY,
};

/** `/pls calibrate [90d|180d|365d] [play]`, in either order: the period (default 180 days) and the play (default new business), or the sentence to answer. */
export function parseCalibrateArgs(
  args: readonly string[],
  plays: readonly Play[],
): { since: number; label: string; play: Play } | { error: string } {
  const request = { since: CALIBRATE_PERIODS['180d']!, label: '180d', play: plays[0]! };
  const seen = new Set<'period' | 'play'>();
  for (const arg of args) {
    const label = arg.toLowerCase();
    const play = playNamed(plays, arg);
    const kind = CALIBRATE_PERIODS[label] !== undefined ? 'period' : play ? 'play' : null;
    if (kind === null || seen.has(kind)) {
      const ids = plays.map((p) => p.id).join('|');
      return {
        error: `Usage: \`/pls calibrate [${Object.keys(CALIBRATE_PERIODS).join('|')}] [${ids}]\` (default 180d, ${plays[0]!.id}).`,
      };
    }
    seen.add(kind);
    if (play) request.play = play;
    else Object.assign(request, { since: CALIBRATE_PERIODS[label]!, label });
  }
  return request;
}
