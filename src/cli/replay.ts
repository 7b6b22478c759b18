import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { printReport } from './cli-options.js';
import { runReplay } from './replay-command.js';

/**
 * `npm run replay -- [--manifest FILE] [--since 90d] [--window 30d] [--json]`: what a manifest
 * would have done with the stored event history (src/replay/replay-engine.ts). Reads the
 * database read-only and needs no Slack credentials. On a terminal it shows its progress on
 * stderr (quiet with `--json` or when stderr is not a terminal). Exit 0 = report printed, 1 = could not
 * (bad manifest, no database), 2 = usage.
 */
await printReport(() =>
  runReplay(process.argv.slice(2), process.env, {
    now: Date.now(),
    clock: () => performance.now(),
    cwd: resolve('.'),
    stderr: process.stderr,
  }),
);
