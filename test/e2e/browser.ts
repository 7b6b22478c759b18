import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { createLogger } from '../../src/obs/logger.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../tools/sandbox/start-sandbox.js';

/**
 * Debian's Chromium, installed by `.ci/run` (`apt-get install chromium`); playwright-core drives
 * it and never downloads a browser of its own.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const SANDBOX_MANIFEST = resolve(import.meta.dirname, '../../manifests/sandbox.yml');

export function launchBrowser(): Promise<Browser> {
  // A fresh, throw-away profile comes with launch(); these flags keep Chromium off the network
  // and quiet in a container (no sandboxing without user namespaces, no GPU).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TestSandbox {
  sandbox: RunningSandbox;
  databasePath: string;
  stop(): Promise<void>;
}

/** The sandbox as `npm run sandbox` starts it, on a free port with its database in a temp dir. */
export async function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'pls-sandbox-'));
  const databasePath = join(dir, 'sandbox.db');
  const sandbox = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    databasePath,
    manifestPath: SANDBOX_MANIFEST,
    traffic: false,
    speed: 1,
    colleagues: false,
    logLevel: 'silent',
    logger: createLogger(process.env.PLS_TEST_LOG === '1' ? 'debug' : 'silent'),
    ...options,
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    sandbox,
    databasePath,
    async stop() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
