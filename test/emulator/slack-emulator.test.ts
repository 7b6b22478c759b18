import { ErrorCode, WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackEmulator, type SlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { clientFor } from './support.js';

/** 2026-01-15 12:00 UTC: winter, so Europe/Berlin is UTC+1. */
const NOW = Date.UTC(2026, 0, 15, 12);

/** `errors` is where Slack lists Block Kit failures; WebClient's result type does not declare it. */
type PlatformErrorData = WebAPIPlatformError['data'] & { errors?: string[] };

/** The body of a call Slack refused; fails the test if the call succeeded or failed another way. */
async function slackError(call: Promise<unknown>): Promise<PlatformErrorData> {
  const error = await call.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  expect((error as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
  return (error as WebAPIPlatformError).data;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

let emulator: SlackEmulator;
let client: WebClient;

beforeEach(async () => {
  emulator = createSlackEmulator({
    channels: ['C0ALERTS'],
    notInChannel: ['C0PRIVATE'],
    users: [{ id: 'U0REP', name: 'rep', email: 'Rep@Example.com', tz: 'Europe/Berlin' }],
    now: () => NOW,
  });
  await emulator.start();
  client = clientFor(emulator);
});

afterEach(async () => {
  await emulator.stop();
});

describe('auth.test', () => {
  it('tells Bolt who the bot is', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      url: 'https://example.slack.com/',
      team_id: 'T0EXAMPLE',
      user_id: 'U0EXAMPLEBOT',
      bot_id: 'B0EXAMPLE',
    });
  });

  it('refuses any other token with invalid_auth and records the call', async () => {
    const data = await slackError(clientFor(emulator, 'xoxb-wrong').auth.test());
    expect(data.error).toBe('invalid_auth');
    expect(emulator.callsTo('auth.test')).toMatchObject([
      { token: 'xoxb-wrong', response: { error: 'invalid_auth' } },
    ]);
  });
});

describe('chat.postMessage', () => {
  it('stores the message and answers with Slack-shaped ts, channel and message', async () => {
    const blocks = [section('*Acme* hit the API limit')];
    const result = await client.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'Acme hit the API limit',
      blocks,
    });

    expect(result.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(result).toMatchObject({
      ok: true,
      channel: 'C0ALERTS',
      message: {
        type: 'message',
        user: 'U0EXAMPLEBOT',
        bot_id: 'B0EXAMPLE',
        text: 'Acme hit the API limit',
        blocks,
      },
    });
    const [stored] = emulator.messages('C0ALERTS');
    expect(stored).toMatchObject({
      ts: result.ts,
      text: 'Acme hit the API limit',
      blocks,
      user: 'U0EXAMPLEBOT',
    });
    expect(stored?.edits).toBe(0);
  });

  it('records the call with blocks decoded from the form body and the bearer token', async () => {
    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'hi', blocks: [section('hi')] });
    const [call] = emulator.callsTo('chat.postMessage');
    expect(call?.args.blocks).toEqual([section('hi')]);
    expect(call?.token).toBe('xoxb-test');
    expect(call?.at).toBe(NOW);
    expect(call?.status).toBe(200);
  });

  it('hands out strictly increasing timestamps even when the clock stands still', async () => {
    const first = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'one' });
    const second = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'two' });
    expect(first.ts).toBe('1768478400.000000');
    expect(second.ts).toBe('1768478400.000001');
  });

  it('stores a thread reply under its parent', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'alert' });
    const reply = await client.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'new signal',
      thread_ts: parent.ts,
    });

    expect(reply.message).toMatchObject({ thread_ts: parent.ts, parent_user_id: 'U0EXAMPLEBOT' });
    const messages = emulator.messages('C0ALERTS');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.replies.map((r) => r.text)).toEqual(['new signal']);
    expect(emulator.message('C0ALERTS', reply.ts ?? '')?.threadTs).toBe(parent.ts);
  });

  it('accepts a reply to a parent it never saw, as Slack does, without making it top-level', async () => {
    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'orphan', thread_ts: '1700000000.000100' });
    expect(emulator.messages('C0ALERTS')).toEqual([]);
    expect(emulator.replies('C0ALERTS', '1700000000.000100').map((r) => r.text)).toEqual(['orphan']);
  });

  it('answers channel_not_found for an unknown channel and not_in_channel where the bot is not a member', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    expect((await slackError(client.chat.postMessage({ channel: 'C0PRIVATE', text: 'x' }))).error).toBe(
      'not_in_channel',
    );
    expect(emulator.messages('C0PRIVATE')).toEqual([]);
  });

  it('answers no_text when there is neither text nor blocks', async () => {
    expect((await slackError(client.apiCall('chat.postMessage', { channel: 'C0ALERTS' }))).error).toBe(
      'no_text',
    );
  });

  it('answers msg_too_long above 40,000 characters of text', async () => {
    const data = await slackError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'x'.repeat(40_001) }));
    expect(data.error).toBe('msg_too_long');
    await expect(
      client.chat.postMessage({ channel: 'C0ALERTS', text: 'x'.repeat(40_000) }),
    ).resolves.toMatchObject({
      ok: true,
    });
  });

  it('answers invalid_blocks for more than 50 blocks, the way Slack lists the reasons', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`row ${i}`));
    const data = await slackError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'long', blocks }));
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    expect(data.response_metadata?.messages).toEqual([
      '[ERROR] no more than 50 items allowed [json-pointer:/blocks]',
    ]);
    expect(emulator.messages('C0ALERTS')).toEqual([]);
  });

  it('answers invalid_blocks for a header over 150 characters', async () => {
    const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
    const data = await slackError(
      client.chat.postMessage({ channel: 'C0ALERTS', text: 'x', blocks: [header] }),
    );
    expect(data.errors).toEqual(['must be less than 151 characters [json-pointer:/blocks/0/text/text]']);
  });
});

describe('chat.update', () => {
  it('applies the update in place and counts the edit', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'open',
      blocks: [section('open')],
    });
    const result = await client.chat.update({
      channel: 'C0ALERTS',
      ts: posted.ts ?? '',
      text: 'claimed',
      blocks: [section('claimed by <@U0REP>')],
    });

    expect(result).toMatchObject({ ok: true, channel: 'C0ALERTS', ts: posted.ts, text: 'claimed' });
    const [stored] = emulator.messages('C0ALERTS');
    expect(stored).toMatchObject({ text: 'claimed', blocks: [section('claimed by <@U0REP>')], edits: 1 });
  });

  it('answers message_not_found for an unknown ts', async () => {
    const data = await slackError(
      client.chat.update({ channel: 'C0ALERTS', ts: '1700000000.000001', text: 'x' }),
    );
    expect(data.error).toBe('message_not_found');
  });

  it("answers cant_update_message for someone else's message", async () => {
    const human = emulator.seedMessage({ channel: 'C0ALERTS', user: 'U0REP', text: 'mine' });
    const data = await slackError(
      client.chat.update({ channel: 'C0ALERTS', ts: human.ts, text: 'hijacked' }),
    );
    expect(data.error).toBe('cant_update_message');
    expect(emulator.message('C0ALERTS', human.ts)?.text).toBe('mine');
  });

  it('validates the new blocks too', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'x' });
    const actions = {
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' } },
        { type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim again' } },
      ],
    };
    const data = await slackError(
      client.chat.update({ channel: 'C0ALERTS', ts: posted.ts ?? '', text: 'x', blocks: [actions] }),
    );
    expect(data.errors).toEqual([
      'duplicate action_id within block: claim [json-pointer:/blocks/0/elements/1/action_id]',
    ]);
    expect(emulator.messages('C0ALERTS')[0]?.edits).toBe(0);
  });
});

describe('chat.postEphemeral and chat.getPermalink', () => {
  it('keeps ephemerals apart from channel messages and answers message_ts', async () => {
    const result = await client.chat.postEphemeral({
      channel: 'C0ALERTS',
      user: 'U0REP',
      text: 'Only reps may claim',
    });
    expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(emulator.ephemerals('C0ALERTS', 'U0REP')).toMatchObject([
      { text: 'Only reps may claim', ts: result.message_ts },
    ]);
    expect(emulator.ephemerals('C0ALERTS', 'U0OTHER')).toEqual([]);
    expect(emulator.messages('C0ALERTS')).toEqual([]);
  });

  it('builds permalinks like Slack, with thread_ts for replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'alert' });
    const reply = await client.chat.postMessage({ channel: 'C0ALERTS', text: 'more', thread_ts: parent.ts });

    const top = await client.chat.getPermalink({ channel: 'C0ALERTS', message_ts: parent.ts ?? '' });
    expect(top.permalink).toBe(`https://example.slack.com/archives/C0ALERTS/p${parent.ts?.replace('.', '')}`);
    const threaded = await client.chat.getPermalink({ channel: 'C0ALERTS', message_ts: reply.ts ?? '' });
    expect(threaded.permalink).toContain(`?thread_ts=${parent.ts}&cid=C0ALERTS`);
    const missing = await slackError(
      client.chat.getPermalink({ channel: 'C0ALERTS', message_ts: '1.000001' }),
    );
    expect(missing.error).toBe('message_not_found');
  });
});

describe('DMs', () => {
  it('opens one stable D channel per user and records messages posted there as DMs', async () => {
    const first = await client.conversations.open({ users: 'U0REP' });
    const again = await client.conversations.open({ users: 'U0REP' });
    expect(first.channel?.id).toBe('D0REP');
    expect(first.already_open).toBeUndefined();
    expect(again).toMatchObject({ channel: { id: 'D0REP' }, already_open: true });

    await client.chat.postMessage({ channel: 'D0REP', text: 'You have 1 alert to claim' });
    expect(emulator.dms('U0REP').map((m) => m.text)).toEqual(['You have 1 alert to claim']);
  });

  it('posts to the DM when given a user id as channel', async () => {
    const result = await client.chat.postMessage({ channel: 'U0REP', text: 'hello' });
    expect(result.channel).toBe('D0REP');
    expect(emulator.dms('U0REP')).toHaveLength(1);
  });

  it('answers user_not_found when opening a DM with a stranger', async () => {
    expect((await slackError(client.conversations.open({ users: 'U0GHOST' }))).error).toBe('user_not_found');
  });
});

describe('conversations.info, users.info, users.lookupByEmail', () => {
  it('describes channels, with is_member telling where the bot can post', async () => {
    const member = await client.conversations.info({ channel: 'C0ALERTS' });
    const outsider = await client.conversations.info({ channel: 'C0PRIVATE' });
    expect(member.channel).toMatchObject({ id: 'C0ALERTS', is_channel: true, is_member: true });
    expect(outsider.channel?.is_member).toBe(false);
    expect((await slackError(client.conversations.info({ channel: 'C0NOPE' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('describes users with their time zone offset at the emulator clock', async () => {
    const { user } = await client.users.info({ user: 'U0REP' });
    expect(user).toMatchObject({
      id: 'U0REP',
      name: 'rep',
      tz: 'Europe/Berlin',
      tz_offset: 3600,
      profile: { email: 'Rep@Example.com' },
      is_bot: false,
    });
    expect((await slackError(client.users.info({ user: 'U0GHOST' }))).error).toBe('user_not_found');
  });

  it('finds users by email regardless of case, else users_not_found', async () => {
    const found = await client.users.lookupByEmail({ email: 'rep@example.com' });
    expect(found.user?.id).toBe('U0REP');
    expect((await slackError(client.users.lookupByEmail({ email: 'nobody@example.com' }))).error).toBe(
      'users_not_found',
    );
  });
});

describe('the recording', () => {
  it('answers unknown_method for methods it does not emulate', async () => {
    expect((await slackError(client.apiCall('chat.scheduleMessage', { channel: 'C0ALERTS' }))).error).toBe(
      'unknown_method',
    );
  });

  it('tells subscribers about each answered call until they unsubscribe', async () => {
    const seen: string[] = [];
    const unsubscribe = emulator.on((call) => seen.push(`${call.method}:${String(call.response?.ok)}`));
    await client.auth.test();
    unsubscribe();
    await client.auth.test();
    expect(seen).toEqual(['auth.test:true']);
  });

  it('forgets calls, messages and ephemerals on reset()', async () => {
    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'x' });
    await client.chat.postEphemeral({ channel: 'C0ALERTS', user: 'U0REP', text: 'y' });
    emulator.reset();
    expect(emulator.calls).toEqual([]);
    expect(emulator.messages('C0ALERTS')).toEqual([]);
    expect(emulator.ephemerals('C0ALERTS')).toEqual([]);
  });
});
