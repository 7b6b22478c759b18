import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appHomeOpenedEnvelope,
  blockActionsPayload,
  escapeCommandText,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionPayload,
} from '../../tools/sandbox/slack-requests.js';
import { FIXTURES } from '../support/slack-requests.js';

/**
 * The sandbox builds what Slack sends from code, not from the test fixtures, so this checks its
 * builders against the captured fixtures (test/fixtures/captured): same keys, same nesting, same
 * field order for the slash command. pls accepting them is what sandbox.test.ts shows in the browser.
 */
const fixture = (name: string) => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));
const keys = (value: unknown) => Object.keys(value as object).sort();
const actor = { id: 'U0ANA', name: 'ana' };

describe('the sandbox’s Slack requests match the captured shapes', () => {
  it('block_actions for a button on a channel message', () => {
    const shape = fixture('block-actions-button.json');
    const payload = blockActionsPayload({
      actor,
      source: { kind: 'message', channel: shape.channel, message: shape.message },
      action: {
        type: 'button',
        block_id: 'alert_actions',
        action_id: 'claim',
        text: 'Claim',
        value: 'al_01EXAMPLE',
        style: 'primary',
      },
      triggerId: shape.trigger_id,
      responseUrl: shape.response_url,
      at: 1_795_366_600_482,
    });
    expect(keys(payload)).toEqual(keys(shape));
    for (const part of ['user', 'container', 'team', 'channel', 'message'] as const) {
      expect(keys(payload[part as keyof typeof payload]), part).toEqual(keys(shape[part]));
    }
    expect(keys(payload.actions[0])).toEqual(keys(shape.actions[0]));
    expect(payload.actions[0]!.text).toEqual(shape.actions[0].text);
  });

  it('block_actions from a Home tab: the view instead of a channel and a message', () => {
    const view = { id: 'V0EXAMPLEHOME', type: 'home', blocks: [] };
    const payload = blockActionsPayload({
      actor,
      source: { kind: 'view', view },
      action: {
        type: 'button',
        block_id: 'home_ooo',
        action_id: 'toggle_ooo',
        text: 'Out of office',
        value: 'on',
      },
      triggerId: '1.2.3',
      responseUrl: 'unused',
      at: 1_795_366_600_482,
    });
    expect(payload.container).toEqual({ type: 'view', view_id: 'V0EXAMPLEHOME' });
    expect(payload).toMatchObject({ view });
    expect(payload).not.toHaveProperty('channel');
    expect(payload).not.toHaveProperty('message');
  });

  it('view_submission', () => {
    const shape = fixture('view-submission.json');
    const { state, ...view } = shape.view;
    const payload = viewSubmissionPayload({ actor, view, values: state.values, triggerId: shape.trigger_id });
    expect(keys(payload)).toEqual(keys(shape));
    expect(keys(payload.view)).toEqual(keys(shape.view));
    expect(payload.view.state).toEqual(state);
  });

  it('a slash command, field for field and in the same order', () => {
    const shape = new URLSearchParams(readFileSync(resolve(FIXTURES, 'slash-command.txt'), 'utf8'));
    const body = new URLSearchParams(
      slashCommandBody({
        actor: { id: 'U0EXAMPLE', name: 'kim.lee' },
        channel: { id: 'C0EXAMPLE', name: 'pls-alerts' },
        command: '/pls',
        text: 'queue unclaimed',
        triggerId: shape.get('trigger_id')!,
        responseUrl: shape.get('response_url')!,
      }),
    );
    expect([...body.keys()]).toEqual([...shape.keys()]);
    for (const field of ['team_id', 'channel_id', 'user_id', 'command', 'text', 'api_app_id'])
      expect(body.get(field), field).toBe(shape.get(field));
  });

  it('app_home_opened in its Events API envelope', () => {
    const shape = fixture('app-home-opened.json');
    const envelope = appHomeOpenedEnvelope({
      actor: { id: 'U0EXAMPLE', name: 'kim.lee' },
      dmChannel: 'D0EXAMPLE',
      view: shape.event.view,
      eventId: 'Ev0EXAMPLE',
      at: 1_795_366_700_000,
    });
    expect(keys(envelope)).toEqual(keys(shape));
    expect(keys(envelope.event)).toEqual(keys(shape.event));
    expect(keys(envelope.authorizations[0])).toEqual(keys(shape.authorizations[0]));
    expect(envelope.event).toMatchObject({
      type: 'app_home_opened',
      user: 'U0EXAMPLE',
      channel: 'D0EXAMPLE',
      tab: 'home',
    });
  });

  it('signs like Slack: v0=hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body))', () => {
    // The example from https://docs.slack.dev/authentication/verifying-requests-from-slack
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(body, '8f742231b10e8888abcd99yyyzzz85a5', 1_531_420_618_000)).toEqual({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
  });

  it('escapes command text as should_escape does: entities, then user and channel mentions', () => {
    const lookup = {
      user: (name: string) => (name === 'ben' ? { id: 'U0BEN', name: 'ben' } : undefined),
      channel: (name: string) => (name === 'pls-growth' ? 'C0GROWTHPLS' : undefined),
    };
    expect(escapeCommandText('assign acme.com @ben', lookup)).toBe('assign acme.com <@U0BEN|ben>');
    expect(escapeCommandText('queue #pls-growth @nobody', lookup)).toBe(
      'queue <#C0GROWTHPLS|pls-growth> @nobody',
    );
    expect(escapeCommandText('account <b>&co', lookup)).toBe('account &lt;b&gt;&amp;co');
  });
});
