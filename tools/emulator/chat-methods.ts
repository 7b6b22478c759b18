/**
 * chat.postMessage, chat.update, chat.postEphemeral and chat.getPermalink.
 * Errors and shapes: https://docs.slack.dev/reference/methods/chat.postMessage (and siblings).
 */
import { validateBlocks } from './block-kit-limits.js';
import type { ChannelRecord, EmulatorState } from './emulator-state.js';
import type { CallArgs, EmulatedMessage, SlackResponseBody } from './emulator-types.js';
import {
  booleanArg,
  invalidArguments,
  invalidBlocks,
  type MethodHandler,
  ok,
  refuse,
  stringArg,
} from './method-handler.js';

/** chat.postMessage: "Provide no more than 40,000 characters"; the emulator refuses rather than truncates. */
const MAX_TEXT = 40_000;

interface Content {
  text: string | undefined;
  blocks: unknown[] | undefined;
}

const postMessage: MethodHandler = (args, { state }) => {
  const target = resolveChannel(state, args.channel);
  if ('error' in target) return refuse(target.error);
  const content = readContent(args);
  if ('ok' in content) return content;
  const { identity } = state;
  const message: EmulatedMessage = {
    channel: target.id,
    ts: state.nextTs(),
    text: content.text ?? '',
    blocks: content.blocks ?? [],
    user: identity.botUserId,
    botId: identity.botId,
    replies: [],
    edits: 0,
  };
  const threadTs = stringArg(args, 'thread_ts');
  if (threadTs !== undefined) message.threadTs = threadTs;
  if (args.metadata !== undefined) message.metadata = args.metadata;
  state.addMessage(message);
  return ok({ channel: target.id, ts: message.ts, message: renderMessage(state, message) });
};

/**
 * Only the fields sent are replaced; omitted `text` or `blocks` keep their value. Slack documents
 * that rule for `attachments` and `metadata`; pls always sends both, so the choice is moot for it.
 */
const update: MethodHandler = (args, { state }) => {
  const target = resolveChannel(state, args.channel);
  if ('error' in target) return refuse(target.error);
  const ts = stringArg(args, 'ts');
  if (ts === undefined) return invalidArguments(['missing required field: ts']);
  const message = state.findMessage(target.id, ts);
  if (message === undefined) return refuse('message_not_found');
  if (message.user !== state.identity.botUserId) return refuse('cant_update_message');
  const content = readContent(args);
  if ('ok' in content) return content;
  if (content.text !== undefined) message.text = content.text;
  if (content.blocks !== undefined) message.blocks = content.blocks;
  if (args.metadata !== undefined) message.metadata = args.metadata;
  message.edits += 1;
  return ok({ channel: target.id, ts, text: message.text, message: renderMessage(state, message) });
};

const postEphemeral: MethodHandler = (args, { state }) => {
  const target = resolveChannel(state, args.channel);
  if ('error' in target) return refuse(target.error);
  const user = stringArg(args, 'user');
  if (user === undefined) return invalidArguments(['missing required field: user']);
  if (state.user(user) === undefined) return refuse('user_not_in_channel');
  const content = readContent(args);
  if ('ok' in content) return content;
  const ts = state.nextTs();
  const threadTs = stringArg(args, 'thread_ts');
  state.addEphemeral({
    channel: target.id,
    user,
    ts,
    text: content.text ?? '',
    blocks: content.blocks ?? [],
    ...(threadTs === undefined ? {} : { threadTs }),
  });
  return ok({ message_ts: ts });
};

/** Permalink format from the reference example: `/archives/<channel>/p<ts without dot>`. */
const getPermalink: MethodHandler = (args, { state }) => {
  const channel = stringArg(args, 'channel');
  if (channel === undefined || state.channel(channel) === undefined) return refuse('channel_not_found');
  const ts = stringArg(args, 'message_ts');
  if (ts === undefined) return invalidArguments(['missing required field: message_ts']);
  const message = state.findMessage(channel, ts);
  if (message === undefined) return refuse('message_not_found');
  const base = `https://${state.identity.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
  const permalink =
    message.threadTs === undefined ? base : `${base}?thread_ts=${message.threadTs}&cid=${channel}`;
  return ok({ channel, permalink });
};

/** Reading needs a conversation id the bot can see (https://docs.slack.dev/reference/methods/conversations.history). */
function readable(state: EmulatorState, value: unknown): ChannelRecord | { error: string } {
  const channel = typeof value === 'string' ? state.channel(value) : undefined;
  if (channel === undefined) return { error: 'channel_not_found' };
  if (!channel.isMember && channel.imUser === undefined) return { error: 'not_in_channel' };
  return channel;
}

/** `oldest`/`latest` are exclusive ts bounds (Slack's default `inclusive: false`). */
function inWindow(args: CallArgs, ts: string): boolean {
  const oldest = Number(stringArg(args, 'oldest') ?? '0');
  const latest = Number(stringArg(args, 'latest') ?? 'Infinity');
  return Number(ts) > oldest && Number(ts) < latest;
}

/** Metadata is only returned when asked for (`include_all_metadata`). */
function forReading(state: EmulatorState, message: EmulatedMessage, args: CallArgs): Record<string, unknown> {
  const { metadata, ...rest } = renderMessage(state, message);
  return booleanArg(args, 'include_all_metadata') && metadata !== undefined ? { ...rest, metadata } : rest;
}

/** Newest first, at most `limit` (default 100). */
const history: MethodHandler = (args, { state }) => {
  const channel = readable(state, args.channel);
  if ('error' in channel) return refuse(channel.error);
  const limit = Math.min(Number(stringArg(args, 'limit') ?? '100') || 100, 999);
  const matching = state
    .messages(channel.id)
    .filter((m) => inWindow(args, m.ts))
    .reverse();
  return ok({
    messages: matching.slice(0, limit).map((m) => forReading(state, m, args)),
    has_more: matching.length > limit,
    pin_count: 0,
  });
};

/** The parent first, then its replies oldest first. */
const replies: MethodHandler = (args, { state }) => {
  const channel = readable(state, args.channel);
  if ('error' in channel) return refuse(channel.error);
  const ts = stringArg(args, 'ts');
  const parent = ts === undefined ? undefined : state.findMessage(channel.id, ts);
  if (ts === undefined || parent === undefined) return refuse('thread_not_found');
  const thread = [parent, ...state.replies(channel.id, ts)].filter(
    (m) => m === parent || inWindow(args, m.ts),
  );
  return ok({ messages: thread.map((m) => forReading(state, m, args)), has_more: false });
};

/**
 * A channel id, or a user id: bot tokens may post to a user id, which lands in the app's DM with
 * that user (chat.postMessage, "Channels" section).
 */
function resolveChannel(state: EmulatorState, value: unknown): ChannelRecord | { error: string } {
  if (typeof value !== 'string' || value.length === 0) return { error: 'channel_not_found' };
  if (/^[UW]/.test(value) && state.user(value) !== undefined) return state.openDm(value).channel;
  const channel = state.channel(value);
  if (channel === undefined) return { error: 'channel_not_found' };
  if (!channel.isMember) return { error: 'not_in_channel' };
  return channel;
}

/** Text and blocks of a message, or the error Slack gives for them. */
function readContent(args: CallArgs): Content | SlackResponseBody {
  const text = typeof args.text === 'string' ? args.text : undefined;
  let blocks: unknown[] | undefined;
  if (args.blocks !== undefined) {
    if (!Array.isArray(args.blocks)) return refuse('invalid_blocks_format');
    blocks = args.blocks;
  }
  const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
  if (!text && (blocks === undefined || blocks.length === 0) && !hasAttachments) return refuse('no_text');
  if (text !== undefined && text.length > MAX_TEXT) return refuse('msg_too_long');
  if (blocks !== undefined) {
    const errors = validateBlocks(blocks, 'message');
    if (errors.length > 0) return invalidBlocks(errors);
  }
  return { text, blocks };
}

function threadFields(state: EmulatorState, message: EmulatedMessage): Record<string, unknown> {
  if (message.threadTs === undefined) return {};
  const parent = state.findMessage(message.channel, message.threadTs);
  return { thread_ts: message.threadTs, ...(parent === undefined ? {} : { parent_user_id: parent.user }) };
}

/** The `message` object Slack echoes back for a bot's message. */
function renderMessage(state: EmulatorState, message: EmulatedMessage): Record<string, unknown> {
  const { identity } = state;
  return {
    user: message.user,
    type: 'message',
    ts: message.ts,
    ...(message.botId === undefined ? {} : { bot_id: message.botId, app_id: identity.appId }),
    text: message.text,
    team: identity.teamId,
    ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
    ...threadFields(state, message),
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
  };
}

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'conversations.history': history,
  'conversations.replies': replies,
};
