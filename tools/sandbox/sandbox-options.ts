import { parseArgs } from 'node:util';
import { ENV_DEFAULTS, LOG_LEVELS, type LogLevel } from '../../src/config/env.js';
import type { SandboxOptions } from './start-sandbox.js';

/**
 * `npm run sandbox [-- flags]`: flags win over the environment, which wins over the defaults.
 * Parsed once, here, from what main.ts passes in.
 */
export const SANDBOX_USAGE = `npm run sandbox [-- options]

  --port <n>          PORT           page and bot port (default 3000; 0 = any free port)
  --host <address>    HOST           interface to listen on (default 127.0.0.1: this machine only)
  --speed <x>         PLS_DEMO_SPEED demo speed: 2 plays it twice as fast (default 1)
  --no-traffic        PLS_DEMO=off   no demo traffic: send your own events
  --no-colleagues     PLS_DEMO_COLLEAGUES=off
                                     no simulated reps working some of the alerts
  --seed <n>          PLS_DEMO_SEED  another demo story (default 42)
  --manifest <path>   PLS_MANIFEST   the PQL manifest (default manifests/sandbox.yml)
  --db <path>                        SQLite file, recreated at start (default data/sandbox-<port>.db)
  --help`;

export class SandboxUsageError extends Error {
  override name = 'SandboxUsageError';
}

export function parseSandboxOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SandboxOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      speed: { type: 'string' },
      'no-traffic': { type: 'boolean' },
      'no-colleagues': { type: 'boolean' },
      seed: { type: 'string' },
      manifest: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const port = number('--port / PORT', values.port ?? env.PORT ?? ENV_DEFAULTS.PORT, {
    min: 0,
    max: 65_535,
    whole: true,
  });
  const speed = number('--speed / PLS_DEMO_SPEED', values.speed ?? env.PLS_DEMO_SPEED ?? '1', {
    min: 0.1,
    max: 1_000,
  });
  const seed = number('--seed / PLS_DEMO_SEED', values.seed ?? env.PLS_DEMO_SEED ?? '42', {
    min: 0,
    max: 2 ** 31,
    whole: true,
  });
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new SandboxUsageError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const off = (value: string | undefined) =>
    ['off', 'false', '0', 'no'].includes(value?.trim().toLowerCase() ?? '');
  const traffic = !values['no-traffic'] && !off(env.PLS_DEMO);
  return {
    port,
    host: values.host ?? (env.HOST?.trim() || '127.0.0.1'),
    databasePath: values.db ?? `data/sandbox-${port}.db`,
    manifestPath: values.manifest ?? (env.PLS_MANIFEST?.trim() || 'manifests/sandbox.yml'),
    traffic,
    speed,
    colleagues: traffic && !values['no-colleagues'] && !off(env.PLS_DEMO_COLLEAGUES),
    seed,
    logLevel,
  };
}

function number(name: string, raw: string, range: { min: number; max: number; whole?: boolean }): number {
  const value = Number(raw.trim());
  if (
    !Number.isFinite(value) ||
    value < range.min ||
    value > range.max ||
    (range.whole && !Number.isInteger(value))
  ) {
    throw new SandboxUsageError(
      `${name} must be ${range.whole ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}, got "${raw}"`,
    );
  }
  return value;
}
