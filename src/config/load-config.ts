import { ConfigError, type ConfigIssue } from './config-error.js';
import { type Env, type EnvSource, manifestPathOf, parseEnv } from './env.js';
import { loadManifest, type Manifest } from './manifest.js';

export interface Config {
  readonly env: Env;
  readonly manifest: Manifest;
}

/**
 * Where the running bot reads `process.env` (as a default argument, so tests pass their own);
 * the CLIs (check, forget) pass it in the same way. Environment and manifest problems are reported together, so one start-up attempt
 * shows everything to fix; throws `ConfigError`.
 */
export function loadConfig(source: EnvSource = process.env): Config {
  const issues: ConfigIssue[] = [];
  let env: Env | null = null;
  let manifest: Manifest | null = null;
  try {
    env = parseEnv(source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  try {
    manifest = loadManifest(env?.manifestPath ?? manifestPathOf(source));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  if (env === null || manifest === null) throw new ConfigError(issues);
  return Object.freeze({ env, manifest });
}
