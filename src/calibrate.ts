import { runCalibrate } from './analysis/calibrate-command.js';
import { UsageError } from './analysis/cli-options.js';
import { HistoryError } from './analysis/history-source.js';
import { ConfigError } from './config/config-error.js';

/**
 * `npm run calibrate -- [--manifest FILE] [--since 180d] [--window 30d] [--json]`: lift per
 * signal, PQL→won per tier, and suggested weights and threshold (src/analysis/calibration.ts).
 * Reads the database read-only and needs no Slack credentials. Exit 0 = report printed, 1 =
 * could not (bad manifest, no database), 2 = usage.
 */
try {
  process.stdout.write(runCalibrate(process.argv.slice(2), process.env, { now: Date.now() }));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof ConfigError || error instanceof HistoryError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
