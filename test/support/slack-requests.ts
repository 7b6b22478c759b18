import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SIGNING_SECRET } from './harness.js';

/** Captured request fixtures (what Slack and the Segment/RudderStack SDKs send): test/fixtures/README.md. */
export const FIXTURES = resolve(import.meta.dirname, '../fixtures/captured');
const fixtureJson = (name: string) => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));

/** Slack's v0 signature over the raw body (https://api.slack.com/authentication/verifying-requests-from-slack). */
function slackHeaders(raw: string, secret = SIGNING_SECRET, at = Date.now()): Record<string, string> {
  const ts = String(Math.floor(at / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return {
    'x-slack-request-timestamp': ts,
    'x-slack-signature': signature,
    'content-type': 'application/x-www-form-urlencoded',
  };
}

async function post(url: string, raw: string, options: { secret?: string } = {}): Promise<Response> {
  return fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: slackHeaders(raw, options.secret),
    body: raw,
  });
}

/** Interaction payloads travel as one form field, `payload=<url-encoded JSON>`. */
export function postPayload(
  url: string,
  payload: unknown,
  options: { secret?: string } = {},
): Promise<Response> {
  return post(url, `payload=${encodeURIComponent(JSON.stringify(payload))}`, options);
}

const BUTTON_LABELS: Record<string, string> = {
  claim: 'Claim',
  not_a_fit: 'Not a fit',
  mark_contacted: 'Mark contacted',
  release: 'Release',
  log_outcome: 'Log outcome',
};

/** A `block_actions` click shaped like test/fixtures/captured/block-actions-button.json. */
export function buttonPayload(input: {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
}) {
  const payload = fixtureJson('block-actions-button.json');
  payload.user = {
    ...payload.user,
    id: input.user,
    username: input.user.toLowerCase(),
    name: input.user.toLowerCase(),
  };
  payload.container = { ...payload.container, channel_id: input.channel, message_ts: input.messageTs };
  payload.channel = { ...payload.channel, id: input.channel };
  payload.message = { ...payload.message, ts: input.messageTs };
  payload.trigger_id = `${Date.now()}.1234567890.${Math.random().toString(16).slice(2)}`;
  payload.actions = [
    {
      ...payload.actions[0],
      action_id: input.actionId,
      value: input.value,
      text: { type: 'plain_text', text: BUTTON_LABELS[input.actionId] ?? input.actionId, emoji: true },
    },
  ];
  return payload;
}

export function pressButton(url: string, input: Parameters<typeof buttonPayload>[0]): Promise<Response> {
  return postPayload(url, buttonPayload(input));
}

type StateValues = Record<string, Record<string, Record<string, unknown>>>;

/** A `view_submission` shaped like test/fixtures/captured/view-submission.json. */
export function viewSubmissionPayload(input: {
  callbackId: string;
  privateMetadata: string;
  user: string;
  values: StateValues;
}) {
  const payload = fixtureJson('view-submission.json');
  payload.user = { ...payload.user, id: input.user };
  payload.view = {
    ...payload.view,
    callback_id: input.callbackId,
    private_metadata: input.privateMetadata,
    state: { values: input.values },
  };
  return payload;
}

export function submitView(
  url: string,
  input: Parameters<typeof viewSubmissionPayload>[0],
): Promise<Response> {
  return postPayload(url, viewSubmissionPayload(input));
}

export const select = (value: string) => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text: value }, value },
});
export const typed = (value: string | null, type = 'plain_text_input') => ({ type, value });

/** The fields of test/fixtures/captured/slash-command.txt (`/pls …`), for another user and text. */
export function slashCommandFields(user: string, text: string): URLSearchParams {
  const fields = new URLSearchParams(readFileSync(resolve(FIXTURES, 'slash-command.txt'), 'utf8'));
  fields.set('user_id', user);
  fields.set('text', text);
  return fields;
}

/** `/pls <text>` encoded exactly as test/fixtures/captured/slash-command.txt, for another user and text. */
export async function slashCommand(
  url: string,
  user: string,
  text: string,
): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const res = await post(url, slashCommandFields(user, text).toString());
  const raw = await res.text();
  const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  return { status: res.status, text: String(body.text ?? ''), body };
}

/** An Events API callback shaped like test/fixtures/captured/app-home-opened.json. */
export function appHomeOpenedCallback(user: string) {
  const callback = fixtureJson('app-home-opened.json');
  callback.event = { ...callback.event, user };
  callback.event_id = `Ev${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
  return callback;
}

/** An Events API envelope shaped like test/fixtures/captured/app-home-opened.json, sent as JSON. */
export function openAppHome(url: string, user: string): Promise<Response> {
  const raw = JSON.stringify(appHomeOpenedCallback(user));
  return fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { ...slackHeaders(raw), 'content-type': 'application/json' },
    body: raw,
  });
}
