import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { raiseHotAlert, settled } from '../support/flows.js';
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
});
