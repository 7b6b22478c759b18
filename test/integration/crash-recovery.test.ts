import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runToExit, useCrashableApps } from '../support/child-process.js';
import { ACME, usageEvent, warmingAccount } from '../support/events.js';
import { raiseHotAlert } from '../support/flows.js';
import { postSigned, startHarness, TEST_MANIFEST } from '../support/harness.js';

const apps = useCrashableApps('pls-crash-');
const { emulator } = apps;
const boot = () => apps.start();
const query = <T>(sql: string) => apps.query<T>(sql);

describe('a crash between commit and send', () => {
  it('still delivers the alert, once, after a restart', async () => {
    // Slack takes the post but never answers: the process dies with the call in flight.
    emulator.fail('chat.postMessage', { hang: true, times: 1 });
    const first = await boot();
    expect((await postSigned(first.url, { events: warmingAccount() })).status).toBe(202);
    expect(
      (
        await postSigned(
          first.url,
          usageEvent({
            type: 'usage_limit_hit',
            account: ACME,
            properties: { limit: 'API calls', used: 10000, quota: 10000 },
          }),
        )
      ).status,
    ).toBe(202);
    await emulator.waitFor(() => emulator.callsTo('chat.postMessage').length === 1, {
      description: 'the hanging post',
    });
    expect(await query('select state from alerts')).toEqual([{ state: 'open' }]);
    expect(await query("select kind from outbox where sent_at is null and kind <> 'home'")).toEqual([
      { kind: 'alert.post' },
    ]);

    await first.kill9();
    expect(emulator.messages('C0MIDMARKET')).toEqual([]);

    await boot();
    const message = await emulator.waitFor(() => emulator.messages('C0MIDMARKET')[0], {
      timeoutMs: 10_000,
      description: 'the alert after restart',
    });
    expect(message.text).toMatch(/^HOT - Acme/);
    await emulator.waitFor(
      async () =>
        (await query<{ n: number }>('select count(*) as n from outbox where sent_at is null'))[0]!.n === 0,
    );
    expect(emulator.messages('C0MIDMARKET')).toHaveLength(1);
    expect(await query('select count(*) as n from alerts')).toEqual([{ n: 1 }]);
  });
});

describe('a crash after Slack accepted the post but before pls recorded it', () => {
  it('finds the post by its metadata after restart instead of posting twice', async () => {
    const pls = await startHarness();
    try {
      const alert = await raiseHotAlert(pls);
      await pls.server.stop();
      // Rewind the database to the instant between Slack's answer and the commit.
      const db = new Database(pls.dbPath);
      db.prepare("update outbox set sent_at = null, attempted_at = ? where kind = 'alert.post'").run(
        Date.now() - 1000,
      );
      db.prepare('update alerts set message_ts = null').run();
      db.close();
      await pls.restart();
      await pls.emulator.waitFor(
        async () =>
          (await pls.query("select 1 from outbox where kind = 'alert.post' and sent_at is not null"))
            .length === 1,
      );
      expect(pls.emulator.messages(alert.channel)).toHaveLength(1);
      expect(await pls.query('select message_ts from alerts')).toEqual([{ message_ts: alert.ts }]);
      expect(pls.emulator.callsTo('conversations.history')).toHaveLength(1);
    } finally {
      await pls.stop();
    }
  });
});

describe('shutdown', () => {
  it('stops on SIGTERM within its bound, after answering the request in flight', async () => {
    const app = await boot();
    const inFlight = postSigned(app.url, { events: warmingAccount() });
    const code = app.terminate();
    const res = await inFlight.catch(() => null);
    const exit = await code;
    expect(exit, app.output()).toBe(0);
    expect(app.output()).toContain('shutting down');
    // Either the request was answered (and then its events are on disk), or it was refused before reading.
    if (res?.status === 202) {
      expect((await query<{ n: number }>('select count(*) as n from events'))[0]!.n).toBe(
        warmingAccount().length,
      );
    }
  });
});

describe('start-up', () => {
  it('exits non-zero with one line naming a missing variable', async () => {
    const { code, output } = await runToExit(['src/main.ts'], {
      PLS_MANIFEST: TEST_MANIFEST,
      SLACK_SIGNING_SECRET: 's',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/env SLACK_BOT_TOKEN: /);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });
});
