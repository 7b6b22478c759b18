import { createHmac } from 'node:crypto';
import type { PressedAction } from './block-kit-html.js';

/**
 * What Slack sends to an app, built for the sandbox: interaction payloads (`block_actions`,
 * `view_submission`), slash commands and Events API envelopes, signed with the v0 scheme. The
 * shapes follow the request fixtures the integration tests use (`test/fixtures/captured`, each
 * with its sources in test/fixtures/README.md), and test/e2e/sandbox-requests.test.ts checks that
 * they keep every key those fixtures have.
 */

/** The fake workspace's ids, as in the fixtures; the sandbox gives the same ones to the emulator. */
export const SLACK_IDS = {
  teamId: 'T0EXAMPLE',
  teamDomain: 'example',
  appId: 'A0EXAMPLE',
  botId: 'B0EXAMPLE',
  botUserId: 'U0EXAMPLEBOT',
  /** The deprecated verification token Slack still sends; never used for auth. */
  token: 'sandboxVerificationToken',
} as const;

export interface Actor {
  id: string;
  /** Slack's handle (`ana`). */
  name: string;
}

/** Slack's v0 signature over the raw body (https://docs.slack.dev/authentication/verifying-requests-from-slack). */
export function signSlackRequest(raw: string, secret: string, at: number): Record<string, string> {
  const ts = String(Math.floor(at / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature };
}

/** Interactions travel as one form field: `payload=<URL-encoded JSON>`; the signature covers that body. */
export function interactionBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** `1795366600482.1234567890.fedcba…`: what a trigger id looks like; unique per interaction. */
export function newTriggerId(at: number): string {
  const random = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${at}.1234567890.${random}`;
}

const user = (actor: Actor) => ({
  id: actor.id,
  username: actor.name,
  name: actor.name,
  team_id: SLACK_IDS.teamId,
});
const team = () => ({ id: SLACK_IDS.teamId, domain: SLACK_IDS.teamDomain });
const actionTs = (at: number) => (at / 1000).toFixed(6);

/** Where the button was: a channel message, an ephemeral message, or a view (Home tab or modal). */
export type ActionSource =
  | { kind: 'message'; channel: { id: string; name: string }; message: Record<string, unknown> }
  | { kind: 'ephemeral'; channel: { id: string; name: string }; messageTs: string }
  | { kind: 'view'; view: Record<string, unknown> };

/**
 * A `block_actions` payload, shaped like test/fixtures/captured/block-actions-button.json
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload). A button in a
 * view carries the view and no channel; an ephemeral message's button carries no `message`.
 */
export function blockActionsPayload(input: {
  actor: Actor;
  source: ActionSource;
  action: PressedAction;
  triggerId: string;
  responseUrl: string;
  at: number;
}) {
  const { source } = input;
  const action = { ...input.action, text: { type: 'plain_text', text: input.action.text, emoji: true } };
  const common = {
    type: 'block_actions',
    user: user(input.actor),
    api_app_id: SLACK_IDS.appId,
    token: SLACK_IDS.token,
  };
  const actions = [{ ...action, action_ts: actionTs(input.at) }];
  if (source.kind === 'view') {
    return {
      ...common,
      container: { type: 'view', view_id: String(source.view.id) },
      trigger_id: input.triggerId,
      team: team(),
      enterprise: null,
      is_enterprise_install: false,
      view: source.view,
      actions,
    };
  }
  const messageTs = source.kind === 'message' ? String(source.message.ts) : source.messageTs;
  return {
    ...common,
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: source.channel.id,
      is_ephemeral: source.kind === 'ephemeral',
    },
    trigger_id: input.triggerId,
    team: team(),
    enterprise: null,
    is_enterprise_install: false,
    channel: source.channel,
    ...(source.kind === 'message' ? { message: source.message } : {}),
    state: { values: {} },
    response_url: input.responseUrl,
    actions,
  };
}

/** `view.state.values`: block id → action id → the element's value, as Slack sends it. */
export type StateValues = Record<string, Record<string, Record<string, unknown>>>;

/**
 * A `view_submission`, shaped like test/fixtures/captured/view-submission.json
 * (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload).
 */
export function viewSubmissionPayload(input: {
  actor: Actor;
  view: Record<string, unknown>;
  values: StateValues;
  triggerId: string;
}) {
  return {
    type: 'view_submission',
    team: team(),
    user: user(input.actor),
    api_app_id: SLACK_IDS.appId,
    token: SLACK_IDS.token,
    trigger_id: input.triggerId,
    view: { ...input.view, state: { values: input.values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * A slash command's form body, field for field as test/fixtures/captured/slash-command.txt
 * (https://api.slack.com/slash-commands, "Outgoing Data").
 */
export function slashCommandBody(input: {
  actor: Actor;
  channel: { id: string; name: string };
  command: string;
  text: string;
  triggerId: string;
  responseUrl: string;
}): string {
  return new URLSearchParams([
    ['token', SLACK_IDS.token],
    ['team_id', SLACK_IDS.teamId],
    ['team_domain', SLACK_IDS.teamDomain],
    ['channel_id', input.channel.id],
    ['channel_name', input.channel.name],
    ['user_id', input.actor.id],
    ['user_name', input.actor.name],
    ['command', input.command],
    ['text', input.text],
    ['api_app_id', SLACK_IDS.appId],
    ['is_enterprise_install', 'false'],
    ['response_url', input.responseUrl],
    ['trigger_id', input.triggerId],
  ]).toString();
}

/**
 * What Slack does to a command's text when the command is declared with `should_escape: true`:
 * `&`, `<`, `>` become entities, and `@name` / `#channel` become `<@U…|name>` / `<#C…|name>`.
 * https://api.slack.com/interactivity/slash-commands#creating_commands ("Escape channels, users, and links")
 */
export function escapeCommandText(
  text: string,
  lookup: {
    user(name: string): { id: string; name: string } | undefined;
    channel(name: string): string | undefined;
  },
): string {
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return escaped
    .replace(/(^|\s)@([\w.-]+)/g, (whole, space: string, name: string) => {
      const found = lookup.user(name);
      return found ? `${space}<@${found.id}|${found.name}>` : whole;
    })
    .replace(/(^|\s)#([\w-]+)/g, (whole, space: string, name: string) => {
      const id = lookup.channel(name);
      return id ? `${space}<#${id}|${name}>` : whole;
    });
}

/**
 * An `app_home_opened` event in its Events API envelope, shaped like
 * test/fixtures/captured/app-home-opened.json
 * (https://docs.slack.dev/reference/events/app_home_opened). `view` is there once a Home was published.
 */
export function appHomeOpenedEnvelope(input: {
  actor: Actor;
  dmChannel: string;
  view: Record<string, unknown> | undefined;
  eventId: string;
  at: number;
}) {
  return {
    token: SLACK_IDS.token,
    team_id: SLACK_IDS.teamId,
    api_app_id: SLACK_IDS.appId,
    event: {
      type: 'app_home_opened',
      user: input.actor.id,
      channel: input.dmChannel,
      tab: 'home',
      ...(input.view ? { view: input.view } : {}),
      event_ts: actionTs(input.at),
    },
    type: 'event_callback',
    event_id: input.eventId,
    event_time: Math.floor(input.at / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: SLACK_IDS.teamId,
        user_id: SLACK_IDS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}
