/**
 * A fake Slack Web API on 127.0.0.1 for tests and the local sandbox. Point WebClient or Bolt at
 * `emulator.url` (`slackApiUrl`), drive the app, then read what it sent (`calls`) and what Slack
 * would now show (`messages`, `views`). Failures can be injected per method. An app in Socket
 * Mode connects to the same server (`apps.connections.open`, then a WebSocket) and gets its
 * envelopes through `socketMode` (socket-mode.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chatMethods } from './chat-methods.js';
import { directoryMethods, timeZoneOffsetSeconds } from './directory-methods.js';
import { createEmulatorState, type Identity } from './emulator-state.js';
import type {
  EmulatedMessage,
  RecordedCall,
  SlackEmulator,
  SlackEmulatorOptions,
  SlackResponseBody,
} from './emulator-types.js';
import { createFailurePlan } from './failure-plan.js';
import { type MethodContext, type MethodHandler, refuse } from './method-handler.js';
import { type ParsedRequest, parseRequest } from './parse-request.js';
import { createSocketModeServer } from './socket-mode.js';
import { viewsMethods } from './views-methods.js';
import { waitFor } from './wait-for.js';

export type * from './emulator-types.js';

const METHODS: Record<string, MethodHandler> = { ...chatMethods, ...directoryMethods, ...viewsMethods };

export function createSlackEmulator(options: SlackEmulatorOptions = {}): SlackEmulator {
  const now = options.now ?? Date.now;
  const identity: Identity = {
    token: options.token ?? 'xoxb-test',
    teamId: options.teamId ?? 'T0EXAMPLE',
    teamName: 'Example',
    teamDomain: 'example',
    botUserId: options.botUserId ?? 'U0EXAMPLEBOT',
    botId: 'B0EXAMPLE',
    appId: 'A0EXAMPLE',
  };
  for (const user of options.users ?? []) {
    // Fail at construction, not on the first users.info, when a time zone is misspelt.
    if (user.tz !== undefined) timeZoneOffsetSeconds(user.tz, now());
  }
  const state = createEmulatorState(options, identity, now);
  const context: MethodContext = { state, now };
  const failures = createFailurePlan();
  const calls: RecordedCall[] = [];
  const listeners = new Set<(call: RecordedCall) => void>();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port: number | undefined;
  const socketMode = createSocketModeServer({
    identity,
    appToken: options.appToken ?? 'xapp-1-A0EXAMPLE-1-test',
    ackTimeoutMs: options.socketAckTimeoutMs,
    now,
    origin: () => {
      if (port === undefined) throw new Error('Slack emulator not started: call start() first');
      return `ws://127.0.0.1:${port}`;
    },
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = await parseRequest(request);
    if (parsed.kind === 'not-api') {
      response.writeHead(parsed.status, { 'content-type': 'text/plain; charset=utf-8' }).end(parsed.message);
      return;
    }
    const call: RecordedCall = {
      method: parsed.method,
      args: parsed.kind === 'call' ? parsed.args : {},
      token: parsed.token,
      at: now(),
      status: null,
      response: null,
    };
    calls.push(call);
    // An injected failure stands for Slack being unwell, so it wins over every other answer.
    const failure = failures.take(parsed.method);
    if (failure?.kind === 'hang') {
      // Announced on arrival; stop() destroys the socket it holds.
      notify(call);
      return;
    }
    const { status, headers, body } = failure ?? { status: 200, headers: {}, body: answerCall(parsed) };
    call.status = status;
    call.response = body;
    response
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      .end(JSON.stringify(body));
    notify(call);
  }

  /**
   * Order of checks: unknown method, then authentication, then the method's own checks.
   * apps.connections.open takes the app-level token instead of the bot's, so it checks its own.
   */
  function answerCall(parsed: Exclude<ParsedRequest, { kind: 'not-api' }>): SlackResponseBody {
    if (parsed.method === 'apps.connections.open') return socketMode.openConnection(parsed);
    const handler = METHODS[parsed.method];
    if (handler === undefined) return refuse('unknown_method');
    if (parsed.token === undefined) return refuse('not_authed');
    if (parsed.token !== identity.token) return refuse('invalid_auth');
    if (parsed.kind === 'refused') return refuse(parsed.error);
    return handler(parsed.args, context);
  }

  function notify(call: RecordedCall): void {
    for (const listener of listeners) {
      try {
        listener(call);
      } catch (error) {
        // A listener's bug must not cost the app its HTTP answer; rethrown outside the request
        // so it still surfaces (as an uncaught error) rather than vanishing.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    handle(request, response).catch((error: unknown) => {
      // The client went away (stop() or an aborted request): nobody is left to answer.
      if (request.destroyed || response.destroyed) return;
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      response
        .writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify({ ok: false, error: 'emulator_error', detail }));
    });
  }

  return {
    async start() {
      if (server !== undefined) throw new Error('Slack emulator already started');
      const created = createServer(onRequest);
      created.on('upgrade', socketMode.handleUpgrade);
      created.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(0, '127.0.0.1', () => {
          created.off('error', reject);
          resolve();
        });
      });
      server = created;
      port = (created.address() as AddressInfo).port;
    },

    async stop() {
      const running = server;
      if (running === undefined) return;
      server = undefined;
      port = undefined;
      socketMode.close();
      const closed = new Promise<void>((resolve, reject) =>
        running.close((error) => (error ? reject(error) : resolve())),
      );
      // Keep-alive sockets and hung requests would hold close() open; end them now.
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },

    get url() {
      if (port === undefined) throw new Error('Slack emulator not started: call start() first');
      return `http://127.0.0.1:${port}/api/`;
    },

    get calls() {
      return calls;
    },

    callsTo: (method) => calls.filter((call) => call.method === method),
    messages: (channel) => state.messages(channel),
    message: (channel, ts) => state.findMessage(channel, ts),
    replies: (channel, threadTs) => state.replies(channel, threadTs),
    dms: (userId) => state.messages(state.dmChannelId(userId)),
    ephemerals: (channel, user) => state.ephemerals(channel, user),

    views: {
      get: (id) => state.view(id),
      home: (userId) => state.home(userId),
      modals: () => state.modals(),
    },

    seedMessage({ channel, user, text, threadTs }) {
      const message: EmulatedMessage = {
        channel,
        ts: state.nextTs(),
        text,
        blocks: [],
        user,
        replies: [],
        edits: 0,
      };
      if (threadTs !== undefined) message.threadTs = threadTs;
      state.addMessage(message);
      return message;
    },

    fail: (method, failure) => failures.add(method, failure),
    clearFailures: () => failures.clear(),

    reset() {
      calls.length = 0;
      state.reset();
    },

    waitFor: (probe, waitOptions) => waitFor(probe, waitOptions),

    socketMode: socketMode.api,

    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
