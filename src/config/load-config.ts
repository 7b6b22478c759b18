import type { Manifest } from '../domain/definition.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { type Env, type EnvSource, manifestPathOf, parseEnv } from './env.js';
import { loadManifest } from './manifest.js';
import { resolveWebhooks, type WebhookEndpoint } from './webhooks.js';

export interface Config {
  readonly env: Env;
  readonly manifest: Manifest;
  /** The manifest's outbound webhooks, their secrets read from the environment where named there. */
  readonly webhooks: readonly WebhookEndpoint[];
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
  let webhooks: WebhookEndpoint[] = [];
  try {
    if (manifest) webhooks = resolveWebhooks(manifest.integrations.webhooks, source, env?.manifestPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  if (env === null || manifest === null || issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({ env, manifest, webhooks });
}
