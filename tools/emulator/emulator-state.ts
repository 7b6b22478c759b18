/**
 * The emulated workspace: who exists, which channels the bot is in, and every message and view the
 * app has produced. Plain in-memory data; the method handlers decide what Slack would answer.
 */
import type {
  EmulatedEphemeral,
  EmulatedMessage,
  EmulatedUser,
  EmulatedView,
  SlackEmulatorOptions,
} from './emulator-types.js';

export interface Identity {
  token: string;
  teamId: string;
  teamName: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
}

export interface ChannelRecord {
  id: string;
  name: string;
  isMember: boolean;
  /** Set for the bot's DM with a user. */
  imUser?: string;
  created: number;
}

export type EmulatorState = ReturnType<typeof createEmulatorState>;

export function createEmulatorState(options: SlackEmulatorOptions, identity: Identity, now: () => number) {
  const createdAt = Math.floor(now() / 1000);
  const channels = new Map<string, ChannelRecord>();
  const addChannel = (id: string, isMember: boolean) =>
    channels.set(id, { id, name: id.toLowerCase(), isMember, created: createdAt });
  for (const id of options.channels ?? ['C0EXAMPLE']) addChannel(id, true);
  for (const id of options.notInChannel ?? []) addChannel(id, false);

  const defaultUsers: EmulatedUser[] = [
    { id: 'U0EXAMPLE', name: 'example.user', email: 'user@example.com', tz: 'America/New_York' },
  ];
  const users = new Map((options.users ?? defaultUsers).map((user) => [user.id, user]));

  const messagesByChannel = new Map<string, EmulatedMessage[]>();
  /** Replies whose parent the emulator never saw, keyed `channel/thread_ts`. Slack stores them anyway. */
  const orphanReplies = new Map<string, EmulatedMessage[]>();
  let ephemerals: EmulatedEphemeral[] = [];
  const views = new Map<string, EmulatedView>();
  const homeByUser = new Map<string, string>();
  let modalIds: string[] = [];

  let lastTsMicros = 0;
  const idCounters = new Map<string, number>();

  return {
    identity,

    /**
     * Message timestamps look like Slack's ('1795366561.000200': seconds, six digits of micros)
     * and strictly increase, even when two messages land in the same microsecond.
     */
    nextTs(): string {
      lastTsMicros = Math.max(Math.floor(now() * 1000), lastTsMicros + 1);
      const seconds = Math.floor(lastTsMicros / 1_000_000);
      const micros = lastTsMicros % 1_000_000;
      return `${seconds}.${String(micros).padStart(6, '0')}`;
    },

    /** Deterministic ids such as 'V00000001', unique for the emulator's lifetime. */
    nextId(prefix: string): string {
      const next = (idCounters.get(prefix) ?? 0) + 1;
      idCounters.set(prefix, next);
      return `${prefix}${String(next).padStart(8, '0')}`;
    },

    channel(id: string): ChannelRecord | undefined {
      return channels.get(id);
    },

    dmChannelId,

    openDm(userId: string): { channel: ChannelRecord; alreadyOpen: boolean } {
      const id = dmChannelId(userId);
      const existing = channels.get(id);
      if (existing) return { channel: existing, alreadyOpen: true };
      const channel: ChannelRecord = {
        id,
        name: id.toLowerCase(),
        isMember: true,
        imUser: userId,
        created: createdAt,
      };
      channels.set(id, channel);
      return { channel, alreadyOpen: false };
    },

    user(id: string): EmulatedUser | undefined {
      return users.get(id);
    },

    userByEmail(email: string): EmulatedUser | undefined {
      const wanted = email.toLowerCase();
      return [...users.values()].find((user) => user.email?.toLowerCase() === wanted);
    },

    /** Stores a message; a reply goes under its parent, or aside when the parent is unknown. */
    addMessage(message: EmulatedMessage): void {
      if (message.threadTs === undefined) {
        topLevel(message.channel).push(message);
        return;
      }
      const parent = topLevel(message.channel).find((m) => m.ts === message.threadTs);
      if (parent) parent.replies.push(message);
      else orphansOf(message.channel, message.threadTs).push(message);
    },

    findMessage(channel: string, ts: string): EmulatedMessage | undefined {
      for (const message of messagesByChannel.get(channel) ?? []) {
        if (message.ts === ts) return message;
        const reply = message.replies.find((r) => r.ts === ts);
        if (reply) return reply;
      }
      for (const [key, replies] of orphanReplies) {
        if (!key.startsWith(`${channel}/`)) continue;
        const reply = replies.find((r) => r.ts === ts);
        if (reply) return reply;
      }
      return undefined;
    },

    messages(channel: string): EmulatedMessage[] {
      return [...(messagesByChannel.get(channel) ?? [])];
    },

    replies(channel: string, threadTs: string): EmulatedMessage[] {
      const parent = messagesByChannel.get(channel)?.find((m) => m.ts === threadTs);
      return [...(parent?.replies ?? orphanReplies.get(`${channel}/${threadTs}`) ?? [])];
    },

    addEphemeral(ephemeral: EmulatedEphemeral): void {
      ephemerals.push(ephemeral);
    },

    ephemerals(channel: string, user?: string): EmulatedEphemeral[] {
      return ephemerals.filter((e) => e.channel === channel && (user === undefined || e.user === user));
    },

    saveView(view: EmulatedView): void {
      const isNew = !views.has(view.id);
      views.set(view.id, view);
      if (view.type === 'home' && view.userId !== undefined) homeByUser.set(view.userId, view.id);
      if (view.type === 'modal' && isNew) modalIds.push(view.id);
    },

    view(id: string): EmulatedView | undefined {
      return views.get(id);
    },

    viewByExternalId(externalId: string): EmulatedView | undefined {
      return [...views.values()].find((v) => v.view.external_id === externalId);
    },

    home(userId: string): EmulatedView | undefined {
      const id = homeByUser.get(userId);
      return id === undefined ? undefined : views.get(id);
    },

    modals(): EmulatedView[] {
      return modalIds.flatMap((id) => views.get(id) ?? []);
    },

    /** Forgets what the app produced; channels, users and DM ids stay. */
    reset(): void {
      messagesByChannel.clear();
      orphanReplies.clear();
      ephemerals = [];
      views.clear();
      homeByUser.clear();
      modalIds = [];
    },
  };

  /** The bot's DM with a user: one stable 'D…' id per user ('U0EXAMPLE' → 'D0EXAMPLE'). */
  function dmChannelId(userId: string): string {
    return `D${userId.slice(1)}`;
  }

  function topLevel(channel: string): EmulatedMessage[] {
    let list = messagesByChannel.get(channel);
    if (!list) {
      list = [];
      messagesByChannel.set(channel, list);
    }
    return list;
  }

  function orphansOf(channel: string, threadTs: string): EmulatedMessage[] {
    const key = `${channel}/${threadTs}`;
    let list = orphanReplies.get(key);
    if (!list) {
      list = [];
      orphanReplies.set(key, list);
    }
    return list;
  }
}
