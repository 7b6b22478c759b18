import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME, usageEvent } from '../support/events.js';
import { alertRow, deliver, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { pressButton, select, slashCommand, submitView, typed } from '../support/slack-requests.js';

/**
 * Text from outside takes no effect in Slack: an account name, a user's name, event properties,
 * a Not a fit note and command text carrying `<!channel>`, `<!here>`, a mention and a link go
 * through the real app, and every Slack call the emulator received shows them as text.
 */
const HOSTILE = '<!channel> <!here|here> <@U0MGR> <https://evil.example|click me>';
/** What must never reach Slack unescaped: each would ping people or draw a link. */
const ACTIVE = ['<!channel>', '<!here', '<@U0MGR>', '<https://evil.example'];

let pls: Harness;
beforeEach(async () => {
  pls = await startHarness();
});
afterEach(async () => {
  await pls.stop();
});

/**
 * Every string a Slack call carried that Slack reads as markup, however deep (the fallback
 * `text`, mrkdwn in blocks and views). `plain_text` objects are left out: Slack shows them as
 * typed, and ids and values are not text.
 */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (object.type === 'plain_text') return out;
    for (const [key, item] of Object.entries(object))
      if (!['value', 'action_id', 'block_id', 'private_metadata', 'callback_id'].includes(key))
        strings(item, out);
  }
  return out;
}

/** Where a hostile value reached Slack as markup: the call and the offending text. */
function activeMarkup(): string[] {
  const found: string[] = [];
  for (const call of pls.emulator.calls) {
    for (const text of strings(call.args)) {
      // pls's own escalations mention the managers on purpose; outside text never appears raw.
      const own = text.replaceAll(/^🚨 <@U0MGR>/gm, '');
      for (const token of ACTIVE)
        if (own.includes(token)) found.push(`${call.method}: ${text.slice(0, 200)}`);
    }
  }
  return found;
}

describe('hostile text', () => {
  it('shows outside text as text in the alert, its thread, DMs and modals', async () => {
    const account = { ...ACME, name: `Acme ${HOSTILE}` };
    const alert = await raiseHotAlert(pls, account);
    // A signal on the open alert: a thread reply quoting the event's own words.
    await deliver(pls, {
      events: [
        usageEvent({
          type: 'premium_feature_attempted',
          account,
          user: { id: 'u_evil', email: 'evil@acme.com', name: HOSTILE, title: HOSTILE },
          properties: { feature: HOSTILE, plan: HOSTILE },
        }),
      ],
    });
    await settled(pls);
    // A Not a fit note, echoed into the thread.
    await pressButton(pls.url, {
      actionId: 'not_a_fit',
      value: alert.alertId,
      user: 'U0BEN',
      channel: alert.channel,
      messageTs: alert.ts,
    });
    await pls.emulator.waitFor(() => pls.emulator.views.modals()[0]);
    await submitView(pls.url, {
      callbackId: 'not_a_fit',
      privateMetadata: alert.alertId,
      user: 'U0BEN',
      values: { reason: { reason_select: select('other') }, note: { note_input: typed(HOSTILE) } },
    });
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'closed');
    await settled(pls);

    const replies = pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text);
    expect(replies.some((text) => text.includes('&lt;!channel&gt;'))).toBe(true);
    expect(pls.emulator.calls.length).toBeGreaterThan(3);
    expect(activeMarkup()).toEqual([]);
  });

  it('shows command text as text in the reply', async () => {
    const reply = await slashCommand(pls.url, 'U0MGR', `account ${HOSTILE}`);
    expect(reply.text).toBeDefined();
    for (const token of ACTIVE) expect(JSON.stringify(reply.body)).not.toContain(token);
  });
});
