/**
 * pls with `SLACK_APP_TOKEN` and no signing secret: Bolt's SocketModeReceiver against the
 * emulator's Socket Mode (apps.connections.open, then a WebSocket). Every Slack interaction here
 * travels as an envelope and is answered in its ack; the alert itself is raised by the signed
 * webhook, which still listens on HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketConnection } from '../../tools/emulator/emulator-types.js';
import { alertRow, buttonsOn, type RaisedAlert, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { pressButton, select, typed } from '../support/slack-requests.js';
import {
  openAppHomeOverSocket,
  pressButtonOverSocket,
  slashCommandOverSocket,
  submitViewOverSocket,
} from '../support/socket-requests.js';

/**
 * @slack/socket-mode waits `clientPingTimeout` (5 s, which Bolt does not let an app change) times
 * its consecutive failures before it connects again, so a reconnect takes a little over 5 s.
 */
const RECONNECT_MS = 15_000;

let pls: Harness;
let alert: RaisedAlert;
beforeAll(async () => {
  pls = await startHarness({ socketMode: true });
});
afterAll(async () => {
  await pls?.stop();
});

const press = (actionId: string, user: string) =>
  pressButtonOverSocket(pls, {
    actionId,
    value: alert.alertId,
    user,
    channel: alert.channel,
    messageTs: alert.ts,
  });

const open = (): SocketConnection[] =>
  pls.emulator.socketMode.connections().filter((c) => c.closedAt === null);

type Block = { type: string; text?: { text: string }; accessory?: { action_id: string; value: string } };
const blocksOf = (body: Record<string, unknown>) => (body.blocks ?? []) as Block[];

/** Resolves with the connection that replaced `previous` once pls has its `hello`. */
function reconnectedAfter(previous: SocketConnection): Promise<SocketConnection> {
  return pls.emulator.waitFor(
    () => {
      const [only, ...more] = open();
      return more.length === 0 && only !== undefined && only.id !== previous.id && only;
    },
    { timeoutMs: RECONNECT_MS, description: `a new Socket Mode connection after ${previous.id}` },
  );
}

describe('pls in Socket Mode', () => {
  it('connects with the app-level token and takes no Slack requests over HTTP', async () => {
    expect(pls.emulator.callsTo('apps.connections.open')).toEqual([
      expect.objectContaining({ token: pls.emulator.socketMode.appToken, status: 200 }),
    ]);
    expect(open()).toHaveLength(1);
    // With no signing secret nothing could verify a request there: the route is not served.
    const res = await pressButton(pls.url, {
      actionId: 'claim',
      value: 'alert_none',
      user: 'U0BEN',
      channel: 'C0MIDMARKET',
      messageTs: '1795366561.000200',
    });
    expect(res.status).toBe(404);
  });

  it('answers /pls queue in the ack with the alert an event raised', async () => {
    alert = await raiseHotAlert(pls);
    const reply = await slashCommandOverSocket(pls, 'U0BEN', 'queue');
    expect(reply.body.response_type).toBe('ephemeral');
    const row = blocksOf(reply.body).find((b) => b.accessory?.action_id === 'claim');
    expect(row?.text?.text).toContain('Acme');
    expect(row?.accessory?.value).toBe(alert.alertId);
  });

  it('claims over the socket and the alert message is re-rendered for the claimer', async () => {
    expect(buttonsOn(pls, alert)).toEqual(['Claim', 'Not a fit', 'Snooze', 'Details']);
    expect(await press('claim', 'U0BEN')).toEqual({});
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'claimed');
    await settled(pls);
    expect((await alertRow(pls, alert.alertId)).claimed_by).toBe('U0BEN');
    expect(buttonsOn(pls, alert)).toEqual(['Mark contacted', 'Release', 'Log outcome', 'Snooze', 'Details']);
    expect(pls.emulator.message(alert.channel, alert.ts)!.edits).toBeGreaterThan(0);
  });

  it('opens the Log outcome modal from its button and takes the submission, errors first, in the ack', async () => {
    expect(await press('log_outcome', 'U0BEN')).toEqual({});
    const modal = await pls.emulator.waitFor(() => pls.emulator.views.modals()[0]);
    expect(modal.view).toMatchObject({ callback_id: 'log_outcome', private_metadata: alert.alertId });

    const refused = await submitViewOverSocket(pls, {
      callbackId: 'log_outcome',
      privateMetadata: alert.alertId,
      user: 'U0BEN',
      values: {
        outcome: { outcome_select: { type: 'static_select', selected_option: null } },
        amount: { amount_input: typed('-5', 'number_input') },
      },
    });
    expect(refused).toEqual({
      response_action: 'errors',
      errors: { outcome: 'choose an outcome', amount: 'a positive amount, like 12000' },
    });
    expect((await alertRow(pls, alert.alertId)).state).toBe('claimed');

    const accepted = await submitViewOverSocket(pls, {
      callbackId: 'log_outcome',
      privateMetadata: alert.alertId,
      user: 'U0BEN',
      values: {
        outcome: { outcome_select: select('won') },
        amount: { amount_input: typed('12000', 'number_input') },
        note: { note_input: typed('Annual plan') },
      },
    });
    expect(accepted).toEqual({});
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'closed');
    await settled(pls);
    expect((await alertRow(pls, alert.alertId)).outcome).toBe('won');
    expect(pls.emulator.message(alert.channel, alert.ts)!.text).toMatch(/closed, won/);
  });

  it('reconnects when Slack asks it to refresh, and works over the new connection', async () => {
    const [before] = open();
    await pls.emulator.socketMode.disconnect('refresh_requested');
    expect(pls.emulator.socketMode.connections().find((c) => c.id === before!.id)).toMatchObject({
      closedBy: 'app',
    });
    await reconnectedAfter(before!);
    expect(pls.emulator.callsTo('apps.connections.open')).toHaveLength(2);

    expect(await openAppHomeOverSocket(pls, 'U0BEN')).toEqual({});
    const home = await pls.emulator.waitFor(() => pls.emulator.views.home('U0BEN'));
    expect(JSON.stringify(home.view.blocks)).toContain('Your claimed alerts');
  });

  it('reconnects after the connection drops without a word, and works over the new connection', async () => {
    const [before] = open();
    pls.emulator.socketMode.drop();
    await reconnectedAfter(before!);
    expect(pls.emulator.callsTo('apps.connections.open')).toHaveLength(3);

    const reply = await slashCommandOverSocket(pls, 'U0BEN', 'queue mine');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(pls.emulator.socketMode.deliveries().every((d) => d.outcome === 'acked')).toBe(true);
  });
});
