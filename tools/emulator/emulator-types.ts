/**
 * Public shapes of the Slack Web API emulator. Everything here is plain data so tests and the
 * sandbox page can read it without knowing how the emulator stores it.
 */

/** A Web API body as Slack answers it: `{ ok: true, ... }` or `{ ok: false, error, ... }`. */
export type SlackResponseBody = { ok: boolean; error?: string } & Record<string, unknown>;

/** Arguments of one Web API call, decoded: JSON-encoded form fields (`blocks`, `view`, ...) are parsed. */
export type CallArgs = Record<string, unknown>;

export interface EmulatedUser {
  id: string;
  name?: string;
  email?: string;
  /** IANA zone, e.g. `Europe/Berlin`. */
  tz?: string;
}

export interface SlackEmulatorOptions {
  /** The one bot token the emulator accepts. Default `xoxb-test`; any other token gets `invalid_auth`. */
  token?: string;
  /** Channels the bot is a member of. Default `['C0EXAMPLE']` (the fixtures' channel). */
  channels?: string[];
  /** Channels that exist but the bot is not in: posting there answers `not_in_channel`. */
  notInChannel?: string[];
  /** Workspace members. Default: one user, `U0EXAMPLE` (the fixtures' user). */
  users?: EmulatedUser[];
  /** Default `U0EXAMPLEBOT`. */
  botUserId?: string;
  /** Default `T0EXAMPLE`. */
  teamId?: string;
  /** Clock for `at` and message timestamps, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** The one app-level token `apps.connections.open` accepts (Socket Mode). Default `xapp-1-A0EXAMPLE-1-test`. */
  appToken?: string;
  /** How long a Socket Mode envelope waits for its ack. Default 3000: Slack's 3 seconds. */
  socketAckTimeoutMs?: number;
}

export interface RecordedCall {
  /** Web API method, e.g. `chat.postMessage`. */
  method: string;
  args: CallArgs;
  /** Token the call carried (Authorization header or `token` field), if any. */
  token: string | undefined;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** HTTP status answered; `null` while a `hang` failure holds the request open. */
  status: number | null;
  /** Body answered; `null` while a `hang` failure holds the request open. */
  response: SlackResponseBody | null;
}

export interface EmulatedMessage {
  channel: string;
  ts: string;
  /** Set on thread replies: the parent's ts. */
  threadTs?: string;
  text: string;
  blocks: unknown[];
  /** Author: the bot user for messages the app posted, or the user given to `seedMessage`. */
  user: string;
  /** Set when the bot posted the message. */
  botId?: string;
  metadata?: unknown;
  /** Thread replies in posting order (empty for replies themselves). */
  replies: EmulatedMessage[];
  /** How many successful `chat.update` calls changed this message. */
  edits: number;
}

export interface EmulatedEphemeral {
  channel: string;
  /** The only user who sees it. */
  user: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks: unknown[];
}

export interface EmulatedView {
  id: string;
  type: 'modal' | 'home';
  /** The view as Slack answers it, with defaults filled in (`hash`, `state`, `root_view_id`, ...). */
  view: Record<string, unknown>;
  /** Home tab owner (views.publish `user_id`). */
  userId?: string;
  /** trigger_id that opened or pushed the modal. */
  triggerId?: string;
  /** How it came to be: `views.open`, `views.push` or `views.publish`. */
  openedBy: 'views.open' | 'views.push' | 'views.publish';
  /** Successful `views.update` / re-`views.publish` calls since it was opened. */
  updates: number;
}

export interface EmulatorViews {
  get(id: string): EmulatedView | undefined;
  /** The Home tab last published for this user. */
  home(userId: string): EmulatedView | undefined;
  /** Modals in the order they were opened or pushed. */
  modals(): EmulatedView[];
}

export interface Failure {
  /** How many of the next calls fail. Default 1; `Infinity` until `clearFailures()`. */
  times?: number;
  /** Answer HTTP 200 `{ ok: false, error }`. */
  error?: string;
  /** Answer this HTTP status (e.g. 500, 503) with `{ ok: false, error }`. */
  status?: number;
  /** Answer 429 with `Retry-After: <seconds>` and `{ ok: false, error: 'ratelimited' }`. */
  retryAfter?: number;
  /** Never answer; the request stays open until `stop()` drops it. */
  hang?: boolean;
}

export interface WaitForOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Default 10. */
  intervalMs?: number;
  /** Names what is awaited in the timeout error; defaults to the probe's source. */
  description?: string;
}

/** What a Socket Mode envelope carries: https://docs.slack.dev/apis/events-api/using-socket-mode */
export type SocketEnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

/** One envelope as the emulator sends it on the WebSocket. */
export interface SocketEnvelope {
  envelope_id: string;
  type: SocketEnvelopeType;
  /** The Events API callback body, the interaction payload, or the slash command's fields. */
  payload: Record<string, unknown>;
  /** True where Slack takes an answer in the ack: slash commands, view_submission, block_suggestion. */
  accepts_response_payload: boolean;
  /** Events API envelopes only: 0 on the first delivery. */
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketConnection {
  /** Also the `debug_info.host` of its `hello` and `disconnect` messages. */
  id: string;
  /** Epoch milliseconds (the emulator's clock) when the upgrade was accepted and `hello` sent. */
  openedAt: number;
  /** `null` while open. */
  closedAt: number | null;
  /** `app`: the app closed it (a close frame or its TCP socket ending); `emulator`: the emulator did. */
  closedBy: 'app' | 'emulator' | null;
}

export interface SocketDelivery {
  envelope: SocketEnvelope;
  connectionId: string;
  sentAt: number;
  /**
   * `pending` until the ack arrives; `acked` in time; `unacked` when the deadline passed or the
   * connection closed first; `late` when an ack came after that.
   */
  outcome: 'pending' | 'acked' | 'unacked' | 'late';
  /** The ack's `payload` (`{}` when it had none); `null` until acked. */
  ack: Record<string, unknown> | null;
}

/** Reasons Slack gives in a `disconnect` message that asks the app to connect again. */
export type SocketDisconnectReason = 'refresh_requested' | 'warning';

export interface EmulatorSocketMode {
  /** The app-level token `apps.connections.open` accepts. */
  readonly appToken: string;
  /** Every connection accepted, oldest first, closed ones included. */
  connections(): SocketConnection[];
  /** Every envelope sent, in order, with what became of it. */
  deliveries(): SocketDelivery[];
  /**
   * Sends one envelope to the newest open connection and resolves with its ack's `payload` (`{}`
   * for a bare ack). Rejects at once when no connection is open, and when the ack does not come
   * within the deadline or the connection closes first. The emulator never redelivers.
   */
  send(
    type: SocketEnvelopeType,
    payload: Record<string, unknown>,
    options?: { timeoutMs?: number },
  ): Promise<Record<string, unknown>>;
  /**
   * Sends `{type: 'disconnect', reason}` to every open connection and resolves once they are closed.
   * A connection the app has not closed within `graceMs` (default 10000, the notice Slack's
   * `warning` gives) is closed by the emulator.
   */
  disconnect(reason?: SocketDisconnectReason, options?: { graceMs?: number }): Promise<void>;
  /** Destroys every open connection's TCP socket without a close frame: the network failing. */
  drop(): void;
}

export interface SlackEmulator {
  /** Listens on 127.0.0.1 on a free port. */
  start(): Promise<void>;
  /** Closes the server and destroys every socket, hung requests included. */
  stop(): Promise<void>;
  /** `http://127.0.0.1:<port>/api/`, for `slackApiUrl`. Throws before `start()`. */
  readonly url: string;
  /** Every call received, in arrival order (live array). */
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** Top-level messages of a channel (or DM) in posting order, updates applied in place. */
  messages(channel: string): EmulatedMessage[];
  /** A top-level message or thread reply. */
  message(channel: string, ts: string): EmulatedMessage | undefined;
  /** Replies under `threadTs`, also when the parent is unknown (Slack accepts those). */
  replies(channel: string, threadTs: string): EmulatedMessage[];
  /** Messages in the bot's DM with this user (opened with conversations.open). */
  dms(userId: string): EmulatedMessage[];
  /** Ephemeral messages posted in a channel, optionally only those shown to one user. */
  ephemerals(channel: string, user?: string): EmulatedEphemeral[];
  readonly views: EmulatorViews;
  /** Puts a message by someone else into a channel (a human talking, for the sandbox and for `cant_update_message`). */
  seedMessage(message: { channel: string; user: string; text: string; threadTs?: string }): EmulatedMessage;
  fail(method: string, failure: Failure): void;
  clearFailures(): void;
  /** Forgets calls, messages, ephemerals and views. Failures, channels, users and Socket Mode connections and deliveries stay. */
  reset(): void;
  waitFor<T>(
    probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    options?: WaitForOptions,
  ): Promise<T>;
  /** Socket Mode: `apps.connections.open` hands out `ws://127.0.0.1:<port>/link/?ticket=…` on this server. */
  readonly socketMode: EmulatorSocketMode;
  /** Called after each call is answered (or, for `hang`, when it arrives). Returns an unsubscribe function. */
  on(listener: (call: RecordedCall) => void): () => void;
}
