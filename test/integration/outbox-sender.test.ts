import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEFT_TO_ANOTHER } from '../../src/slack/outbox-sender.js';
import { postgresOnly } from '../support/engines.js';
import { ACME, warmingAccount } from '../support/events.js';
import { deliver, limitHit, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

let pls: Harness;
beforeEach(async () => {
  pls = await startHarness();
});
afterEach(async () => {
  await pls.stop();
});

const said = (text: string) => () => pls.emulator.messages('C0EXAMPLE').find((m) => m.text === text);

describe('the outbox sender', () => {
  it('after a look that found nothing, a kick still sends what was queued since', async () => {
    const { store, outbox, sender } = pls.server.app.internals;
    // Start-up's drain already looked and found nothing; these kicks have nothing new to look for.
    for (let i = 0; i < 3; i++) sender.kick();
    const message = { channel: 'C0EXAMPLE', text: 'queued after an empty look' };
    await store.unit(() => outbox.enqueue({ kind: 'message', alertId: null, ...message }, 1), {
      durable: true,
    });
    sender.kick();
    await pls.emulator.waitFor(said('queued after an empty look'), { description: 'the queued message' });
  });

  it('sends at start the rows an earlier process left unsent', async () => {
    await pls.server.stop();
    await pls.write(
      'insert into outbox (kind, alert_id, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
      [['message', null, JSON.stringify({ channel: 'C0EXAMPLE', text: 'left by the last run' }), 1, 1]],
    );
    await pls.restart();
    const message = await pls.emulator.waitFor(said('left by the last run'), { description: 'the left row' });
    expect(message.text).toBe('left by the last run');
  });

  it('sends what a rep waits for before an App Home queued ahead of it', async () => {
    await pls.server.stop();
    await pls.write(
      'insert into outbox (kind, alert_id, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
      [
        ['home', null, JSON.stringify({ userId: 'U0ANA' }), 1, 1],
        ['message', null, JSON.stringify({ channel: 'C0EXAMPLE', text: 'queued behind a Home' }), 1, 1],
      ],
    );
    await pls.restart();
    await pls.emulator.waitFor(() => pls.emulator.callsTo('views.publish').length === 1, {
      description: 'the Home published',
    });
    const order = pls.emulator.calls
      .filter((c) => c.method === 'views.publish' || c.args.text === 'queued behind a Home')
      .map((c) => c.method);
    expect(order).toEqual(['chat.postMessage', 'views.publish']);
  });

  it('still sends a thread reply queued worded, as rows were before notices', async () => {
    const alert = await raiseHotAlert(pls);
    const { store, outbox, sender } = pls.server.app.internals;
    const reply = { kind: 'alert.reply', alertId: alert.alertId, text: 'worded before the upgrade' } as const;
    await store.unit(() => outbox.enqueue(reply, 1), { durable: true });
    sender.kick();
    await settled(pls);
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).toContain(
      'worded before the upgrade',
    );
  });

  postgresOnly(
    'leaves an alert to the instance sending its message, until that send is over',
    async () => {
      // The first instance's post hangs (until its client gives up after 10 s).
      pls.emulator.fail('chat.postMessage', { hang: true, times: 1 });
      await deliver(pls, { events: [...warmingAccount(), limitHit()] });
      await pls.emulator.waitFor(() => pls.emulator.callsTo('chat.postMessage').length === 1, {
        description: 'the first instance’s post in flight',
      });
      const second = await pls.another('debug');
      // Whichever comes first: the second instance leaves the alert alone, or posts it too.
      await pls.emulator.waitFor(
        () =>
          second.logs().some((line) => line.msg === LEFT_TO_ANOTHER) ||
          pls.emulator.callsTo('chat.postMessage').length > 1,
        { description: 'the second instance looking at the alert' },
      );
      expect(pls.emulator.callsTo('chat.postMessage')).toHaveLength(1);
      // Once the hung call is given up, one of them looks for it in Slack and posts it, once.
      await pls.emulator.waitFor(() => pls.emulator.messages('C0MIDMARKET').length === 1, {
        timeoutMs: 15_000,
        description: 'the alert posted after the hang',
      });
      await settled(pls);
      expect(pls.emulator.messages('C0MIDMARKET')).toHaveLength(1);
    },
    40_000,
  );

  postgresOnly('keeps every instance quiet for a 429’s Retry-After, whichever was told', async () => {
    const second = await pls.another();
    pls.emulator.fail('chat.postMessage', { retryAfter: 1, times: 1 });
    const other = { ...ACME, id: 'acct_b', name: 'Bravo', domain: 'bravo.example' };
    await deliver(pls, {
      events: [...warmingAccount(), limitHit(), ...warmingAccount(other), limitHit(other)],
    });
    // The pause is in the database for every instance; both senders are woken inside it.
    await pls.emulator.waitFor(async () => (await pls.query('select until from rate_limits')).length === 1, {
      description: 'the pause recorded',
    });
    pls.server.app.internals.sender.kick();
    second.server.app.internals.sender.kick();
    await pls.emulator.waitFor(() => pls.emulator.messages('C0MIDMARKET').length === 2, {
      description: 'both alerts after the pause',
    });
    const posts = pls.emulator.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0MIDMARKET');
    expect(posts.map((c) => c.status)).toEqual([429, 200, 200]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
  });
});
