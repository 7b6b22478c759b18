import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackEmulator, type SlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { quiet } from './support.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

const logOutcome = {
  type: 'modal' as const,
  callback_id: 'log_outcome',
  title: plain('Log outcome'),
  submit: plain('Save'),
  blocks: [
    {
      type: 'input' as const,
      block_id: 'note',
      label: plain('Note'),
      element: { type: 'plain_text_input' as const, action_id: 'note' },
    },
  ],
};

const home = (text: string) => ({
  type: 'home' as const,
  blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }],
});

/** `errors` is where Slack lists Block Kit failures; WebClient's result type does not declare it. */
type PlatformErrorData = WebAPIPlatformError['data'] & { errors?: string[] };

async function slackError(call: Promise<unknown>): Promise<PlatformErrorData> {
  const error = await call.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  return (error as WebAPIPlatformError).data;
}

let emulator: SlackEmulator;
let client: WebClient;

beforeEach(async () => {
  emulator = createSlackEmulator({ users: [{ id: 'U0REP', tz: 'UTC' }] });
  await emulator.start();
  client = new WebClient('xoxb-test', {
    slackApiUrl: emulator.url,
    retryConfig: { retries: 0 },
    logger: quiet,
  });
});

afterEach(async () => {
  await emulator.stop();
});

describe('views.open and views.push', () => {
  it('opens a modal and answers the view with the fields Slack fills in', async () => {
    const { view } = await client.views.open({ trigger_id: '123.456.abc', view: logOutcome });

    expect(view?.id).toMatch(/^V/);
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'log_outcome',
      title: plain('Log outcome'),
      team_id: 'T0EXAMPLE',
      private_metadata: '',
      state: { values: {} },
      root_view_id: view?.id,
      previous_view_id: null,
    });
    expect(view?.hash).toMatch(/^\d+\..+/);
    expect(emulator.views.get(view?.id ?? '')).toMatchObject({
      triggerId: '123.456.abc',
      openedBy: 'views.open',
    });
    expect(emulator.views.modals().map((v) => v.id)).toEqual([view?.id]);
  });

  it('needs a trigger_id', async () => {
    const data = await slackError(client.apiCall('views.open', { view: logOutcome }));
    expect(data.error).toBe('invalid_arguments');
    expect(data.response_metadata?.messages).toEqual(['[ERROR] missing required field: trigger_id']);
  });

  it('refuses a title over 24 characters with invalid_arguments, as Slack does for views', async () => {
    const data = await slackError(
      client.views.open({
        trigger_id: 't',
        view: { ...logOutcome, title: plain('An outcome title too long') },
      }),
    );
    expect(data.error).toBe('invalid_arguments');
    expect(data.response_metadata?.messages).toEqual([
      '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
    ]);
    expect(emulator.views.modals()).toEqual([]);
  });

  it('pushes onto the open modal', async () => {
    const opened = await client.views.open({ trigger_id: 't1', view: logOutcome });
    const pushed = await client.views.push({
      trigger_id: 't2',
      view: { ...logOutcome, callback_id: 'not_a_fit' },
    });
    expect(pushed.view).toMatchObject({ root_view_id: opened.view?.id, previous_view_id: opened.view?.id });
    expect(emulator.views.modals().map((v) => v.openedBy)).toEqual(['views.open', 'views.push']);
  });
});

describe('views.update', () => {
  it('replaces the view under the same id with a new hash', async () => {
    const opened = await client.views.open({ trigger_id: 't', view: logOutcome });
    const updated = await client.views.update({
      view_id: opened.view?.id ?? '',
      hash: opened.view?.hash ?? '',
      view: { ...logOutcome, title: plain('Saved') },
    });
    expect(updated.view?.id).toBe(opened.view?.id);
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(emulator.views.get(opened.view?.id ?? '')).toMatchObject({
      updates: 1,
      view: { title: plain('Saved') },
    });
  });

  it('answers hash_conflict for a stale hash and not_found for an unknown view', async () => {
    const opened = await client.views.open({ trigger_id: 't', view: logOutcome });
    const id = opened.view?.id ?? '';
    await client.views.update({ view_id: id, view: logOutcome });
    const stale = await slackError(
      client.views.update({ view_id: id, hash: opened.view?.hash ?? '', view: logOutcome }),
    );
    expect(stale.error).toBe('hash_conflict');
    expect((await slackError(client.views.update({ view_id: 'V404', view: logOutcome }))).error).toBe(
      'not_found',
    );
  });
});

describe('views.publish', () => {
  it('stores one Home tab per user and keeps its id when republished', async () => {
    const first = await client.views.publish({ user_id: 'U0REP', view: home('No alerts') });
    const second = await client.views.publish({
      user_id: 'U0REP',
      view: home('1 alert awaiting first touch'),
    });

    expect(second.view?.id).toBe(first.view?.id);
    expect(emulator.views.home('U0REP')).toMatchObject({
      type: 'home',
      userId: 'U0REP',
      updates: 1,
      view: { blocks: home('1 alert awaiting first touch').blocks },
    });
    expect(emulator.views.home('U0EXAMPLE')).toBeUndefined();
  });

  it('refuses more than 100 blocks and an unknown user', async () => {
    const tooLong = {
      type: 'home' as const,
      blocks: Array.from({ length: 101 }, () => ({ type: 'divider' as const })),
    };
    const data = await slackError(client.views.publish({ user_id: 'U0REP', view: tooLong }));
    expect(data.response_metadata?.messages).toEqual([
      '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]',
    ]);
    const stranger = await slackError(client.views.publish({ user_id: 'U0GHOST', view: home('x') }));
    expect(stranger.response_metadata?.messages).toEqual(['[ERROR] invalid `user_id`']);
  });
});
