import { performance } from 'node:perf_hooks';
import { runCalibrate } from './calibrate-command.js';
import { printReport } from './cli-options.js';

/**
 * `npm run calibrate -- [--manifest FILE] [--since 180d] [--window 30d] [--json]`: lift per
 * signal, PQL→won per tier, and suggested weights and threshold (src/calibration/calibration.ts).
 * Reads the database read-only and needs no Slack credentials. On a terminal it shows its progress
 * on stderr (quiet with `--json` or when stderr is not a terminal). Exit 0 = report printed, 1 =
 * could not (bad manifest, no database), 2 = usage.
 */
await printReport(() =>
  runCalibrate(process.argv.slice(2), process.env, {
    now: Date.now(),
    stderr: process.stderr,
    clock: () => performance.now(),
  }),
);
