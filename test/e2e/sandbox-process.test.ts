import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToExit } from '../support/child-process.js';
import { eventually } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'pls-sandbox-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run sandbox, as a process', () => {
  it('prints the page URL, serves the page and pls on that port, and stops cleanly on Ctrl-C', async () => {
    // What `npm run sandbox` runs; PORT=0 takes a free port, and the URL printed says which.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tools/sandbox/main.ts', '--no-traffic', '--db', join(dir, 'sandbox.db')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const pageUrl = await eventually(
        async () => /open (http:\/\/localhost:\d+\/sandbox)/.exec(output)?.[1],
        `the page URL in the output:\n${output}`,
        15_000,
      );
      const base = pageUrl.replace('localhost', '127.0.0.1').replace(/\/sandbox$/, '');
      const page = await fetch(`${base}/sandbox`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('<select id="as">');
      // pls itself answers on the same port, and Slack (the emulator) accepted its token.
      await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 'pls ready', 10_000);
    } finally {
      child.kill('SIGINT');
    }
    await expect(exited).resolves.toBe(0);
    expect(output).toContain('stopping');
  }, 30_000);

  it('answers --help with its options, and a bad one with a message, not a stack trace', async () => {
    const help = await runToExit(['tools/sandbox/main.ts', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.output).toContain('--speed');
    const bad = await runToExit(['tools/sandbox/main.ts', '--speed', 'fast'], {});
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/--speed \/ PLS_DEMO_SPEED must be a number/);
    expect(bad.output).not.toMatch(/\n\s+at /);
  });
});

describe('npm start without Slack credentials', () => {
  it('says in one line that they are missing and that npm run sandbox runs pls locally', async () => {
    const { code, output } = await runToExit(['src/main.ts'], {});
    expect(code).toBe(1);
    const line = output.split('\n').find((l) => l.includes('npm run sandbox'));
    expect(line).toMatch(/Slack credentials are missing.*`npm run sandbox` runs pls locally/);
    expect(output).toMatch(/env SLACK_BOT_TOKEN: required/);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
