/**
 * Who and where: auth.test, users.info, users.lookupByEmail, conversations.info, conversations.open.
 * Shapes follow the reference examples at https://docs.slack.dev/reference/methods/<method>.
 */
import type { ChannelRecord, EmulatorState } from './emulator-state.js';
import type { EmulatedUser } from './emulator-types.js';
import { booleanArg, invalidArguments, type MethodHandler, ok, refuse, stringArg } from './method-handler.js';

/** Bolt calls this once at start-up to learn the bot's user id and bot id. */
const authTest: MethodHandler = (_args, { state }) => {
  const { identity } = state;
  return ok({
    url: `https://${identity.teamDomain}.slack.com/`,
    team: identity.teamName,
    user: 'pls',
    team_id: identity.teamId,
    user_id: identity.botUserId,
    bot_id: identity.botId,
    is_enterprise_install: false,
  });
};

const usersInfo: MethodHandler = (args, { state, now }) => {
  const id = stringArg(args, 'user');
  if (id === undefined) return refuse('user_not_found');
  if (id === state.identity.botUserId) return ok({ user: renderBotUser(state) });
  const user = state.user(id);
  if (user === undefined) return refuse('user_not_found');
  return ok({ user: renderUser(state, user, now()) });
};

const usersLookupByEmail: MethodHandler = (args, { state, now }) => {
  const email = stringArg(args, 'email');
  const user = email === undefined ? undefined : state.userByEmail(email);
  if (user === undefined) return refuse('users_not_found');
  return ok({ user: renderUser(state, user, now()) });
};

const conversationsInfo: MethodHandler = (args, { state }) => {
  const id = stringArg(args, 'channel');
  const channel = id === undefined ? undefined : state.channel(id);
  if (channel === undefined) return refuse('channel_not_found');
  return ok({ channel: renderChannel(state, channel) });
};

/**
 * Opens (or finds) the bot's DM with one user. Group DMs (several `users`) are not emulated; pls
 * only writes to one rep at a time.
 */
const conversationsOpen: MethodHandler = (args, { state }) => {
  const channelId = stringArg(args, 'channel');
  const userIds = (stringArg(args, 'users') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  let opened: { channel: ChannelRecord; alreadyOpen: boolean };
  if (channelId !== undefined) {
    const channel = state.channel(channelId);
    if (channel?.imUser === undefined) return refuse('channel_not_found');
    opened = { channel, alreadyOpen: true };
  } else {
    const [userId, ...others] = userIds;
    if (userId === undefined) return invalidArguments(['missing required field: users or channel']);
    if (others.length > 0) return invalidArguments(['emulator: group DMs (several users) are not emulated']);
    if (state.user(userId) === undefined) return refuse('user_not_found');
    opened = state.openDm(userId);
  }
  const channel = booleanArg(args, 'return_im')
    ? renderChannel(state, opened.channel)
    : { id: opened.channel.id };
  return ok({ ...(opened.alreadyOpen ? { no_op: true, already_open: true } : {}), channel });
};

export const directoryMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'users.lookupByEmail': usersLookupByEmail,
  'conversations.info': conversationsInfo,
  'conversations.open': conversationsOpen,
};

function renderUser(state: EmulatorState, user: EmulatedUser, at: number): Record<string, unknown> {
  const name = user.name ?? user.id.toLowerCase();
  const tz = user.tz ?? 'America/Los_Angeles';
  return {
    id: user.id,
    team_id: state.identity.teamId,
    name,
    deleted: false,
    real_name: name,
    tz,
    tz_label: timeZoneLabel(tz, at),
    tz_offset: timeZoneOffsetSeconds(tz, at),
    profile: {
      real_name: name,
      display_name: name,
      ...(user.email === undefined ? {} : { email: user.email }),
      team: state.identity.teamId,
    },
    is_admin: false,
    is_owner: false,
    is_bot: false,
    is_app_user: false,
    updated: Math.floor(at / 1000),
  };
}

function renderBotUser(state: EmulatorState): Record<string, unknown> {
  const { identity } = state;
  return {
    id: identity.botUserId,
    team_id: identity.teamId,
    name: 'pls',
    deleted: false,
    real_name: 'pls',
    profile: { real_name: 'pls', display_name: 'pls', bot_id: identity.botId, team: identity.teamId },
    is_bot: true,
    is_app_user: false,
  };
}

function renderChannel(state: EmulatorState, channel: ChannelRecord): Record<string, unknown> {
  if (channel.imUser !== undefined) {
    return {
      id: channel.id,
      created: channel.created,
      is_im: true,
      is_org_shared: false,
      user: channel.imUser,
      is_open: true,
    };
  }
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    created: channel.created,
    is_archived: false,
    is_general: false,
    name_normalized: channel.name,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_member: channel.isMember,
    context_team_id: state.identity.teamId,
  };
}

/** e.g. "Eastern Standard Time" at that instant, as Slack's `tz_label`. */
export function timeZoneLabel(tz: string, at: number): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' }).formatToParts(at);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
}

/** Seconds east of UTC at that instant, as Slack's `tz_offset` (-18000 for New York in winter). */
export function timeZoneOffsetSeconds(tz: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(
    at,
  );
  const offset = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offset);
  if (match === null) return 0;
  const [, sign, hours, minutes] = match;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 3600 + Number(minutes) * 60);
}
