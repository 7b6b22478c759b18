import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runToExit } from '../support/child-process.js';
import { TEST_MANIFEST, testEnv } from '../support/harness.js';
import { manifestWithWebhook } from '../support/webhook-receiver.js';

/**
 * What `npm start` prints when it cannot start (README, "Environment"): one line per problem,
 * naming the variable, never a stack trace. Run as a child process, as an operator runs it.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-start-up-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The test environment with some variables replaced; no Slack is reached before these failures. */
const start = (env: Record<string, string>) =>
  runToExit(['src/main.ts'], {
    ...testEnv('http://127.0.0.1:9/', join(dir, 'pls.db'), TEST_MANIFEST),
    LOG_LEVEL: 'warn',
    ...env,
  });

describe('npm start with storage it cannot open, or an address it cannot take', () => {
  it('names DATABASE_URL for a folder that cannot be created, in one line', async () => {
    const { code, output } = await start({ DATABASE_URL: 'file:/proc/nope/pls.db' });
    expect(output).toBe(
      "pls cannot start: env DATABASE_URL: cannot create the folder of /proc/nope/pls.db (ENOENT: no such file or directory, mkdir '/proc/nope')\n",
    );
    expect(code).toBe(1);
  });

  it('names DATABASE_URL for a directory and for a file that is not SQLite', async () => {
    const folder = await start({ DATABASE_URL: `file:${dir}` });
    expect(folder).toEqual({
      code: 1,
      output: `pls cannot start: env DATABASE_URL: ${dir} is a directory, not a SQLite file\n`,
    });
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'these are notes, not a database '.repeat(100));
    const text = await start({ DATABASE_URL: `file:${notes}` });
    expect(text).toEqual({
      code: 1,
      output: `pls cannot start: env DATABASE_URL: ${notes} is not a SQLite database\n`,
    });
  });

  it('names HOST when it is no address of this machine', async () => {
    const { code, output } = await start({ HOST: '192.0.2.1' });
    expect({ code, output }).toEqual({
      code: 1,
      output:
        'pls cannot start: env HOST: cannot listen on 192.0.2.1: not an address of this machine (EADDRNOTAVAIL)\n',
    });
  });

  it('names PORT when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, output } = await start({ PORT: String(port) });
      expect({ code, output }).toEqual({
        code: 1,
        output: `pls cannot start: env PORT: port ${port} is already in use\n`,
      });
    } finally {
      taken.close();
    }
  });
});

describe('npm run check', () => {
  it('names a Postgres database by host, port and name, never its password', async () => {
    const { code, output } = await runToExit(['src/cli/check.ts'], {
      ...testEnv('http://127.0.0.1:9/', join(dir, 'pls.db'), TEST_MANIFEST),
      DATABASE_URL: 'postgres://pls:hunter2@db.example:5433/pls_prod',
    });
    expect(output).toContain('database Postgres at db.example:5433/pls_prod,');
    expect(output).not.toContain('hunter2');
    expect(code).toBe(0);
  });

  it('lists each outbound webhook by origin and events, and names one whose secret is unset', async () => {
    const manifest = manifestWithWebhook(
      'https://hooks.example.com/T0/secret-path',
      ['alert.opened', 'account.ready'],
      'PLS_CHECK_HOOK_SECRET',
    );
    const env = testEnv('http://127.0.0.1:9/', join(dir, 'pls.db'), manifest);
    const ok = await runToExit(['src/cli/check.ts'], {
      ...env,
      PLS_CHECK_HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain(
      '  webhook 0: https://hooks.example.com ← alert.opened, account.ready (secret read)\n',
    );
    expect(ok.output).not.toContain('secret-path');
    expect(ok.output).toContain('  HubSpot: off (HUBSPOT_TOKEN is not set)\n');
    const hubspot = await runToExit(['src/cli/check.ts'], {
      ...env,
      PLS_CHECK_HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      HUBSPOT_TOKEN: 'pat-na1-0123456789abcdef',
    });
    expect(hubspot.output).toContain(
      '  HubSpot: on at https://api.hubapi.com (owner routing on, write-back on, property group pls)\n',
    );
    expect(hubspot.output).not.toContain('0123456789abcdef');
    const unset = await runToExit(['src/cli/check.ts'], env);
    expect(unset.code).toBe(1);
    expect(unset.output).toContain(
      'integrations.webhooks.0.secret: names PLS_CHECK_HOOK_SECRET, which is not set',
    );
  });
});
