import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UsageError } from './analysis/cli-options.js';
import { HistoryError } from './analysis/history-source.js';
import { runReplay } from './analysis/replay-command.js';
import { ConfigError } from './config/config-error.js';

/**
 * `npm run replay -- [--manifest FILE] [--since 90d] [--window 30d] [--json]`: what a manifest
 * would have done with the stored event history (src/analysis/replay-engine.ts). Reads the
 * database read-only and needs no Slack credentials. Exit 0 = report printed, 1 = could not
 * (bad manifest, no database), 2 = usage.
 */
try {
  const result = await runReplay(process.argv.slice(2), process.env, {
    now: Date.now(),
    clock: () => performance.now(),
    cwd: resolve('.'),
  });
  process.stdout.write(result);
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
