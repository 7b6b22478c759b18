import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { tempDir } from '../../support/temp-dir.js';

const MINIMAL = fileURLToPath(new URL('../../fixtures/manifests/minimal.yml', import.meta.url));
const TYPO = fileURLToPath(new URL('../../fixtures/manifests/typo.yml', import.meta.url));
const ENV = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'shh', PLS_MANIFEST: MINIMAL };

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('parses the environment and the manifest it names', () => {
    const config = loadConfig(ENV);
    expect(config.env.manifestPath).toBe(MINIMAL);
    expect(config.env.slackBotToken).toBe('xoxb-1-2-abc');
    expect(config.manifest.routing.default_team).toBe('sales');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads process.env when given nothing', () => {
    vi.stubEnv('SLACK_BOT_TOKEN', 'xoxb-from-process');
    vi.stubEnv('SLACK_SIGNING_SECRET', 'shh');
    vi.stubEnv('PLS_MANIFEST', MINIMAL);
    vi.stubEnv('PORT', '0');
    const config = loadConfig();
    expect(config.env.slackBotToken).toBe('xoxb-from-process');
    expect(config.env.port).toBe(0);
  });

  it('names the missing manifest and PLS_MANIFEST in one line', () => {
    const missing = join(tempDir('pls-config-'), 'pls.yml');
    const error = errorOf(() => loadConfig({ ...ENV, PLS_MANIFEST: missing }));
    expect(error.message).toBe(
      `manifest ${missing}: file not found (set PLS_MANIFEST to the manifest’s path)`,
    );
  });

  it('reports environment and manifest problems together', () => {
    const error = errorOf(() =>
      loadConfig({ SLACK_SIGNING_SECRET: 'shh', PORT: 'eighty', PLS_MANIFEST: TYPO }),
    );
    expect(error.issues.map((issue) => `${issue.source} ${issue.path}`)).toEqual([
      'env SLACK_BOT_TOKEN',
      'env PORT',
      'manifest scoring.signals.2.hand_off',
      'manifest routing.teams.0.channel',
    ]);
    expect(error.message.split('\n')).toHaveLength(4);
  });
});
