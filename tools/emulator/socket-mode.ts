/**
 * Socket Mode on the emulator's own server, as @slack/socket-mode (Bolt's SocketModeReceiver)
 * speaks it: https://docs.slack.dev/apis/events-api/using-socket-mode
 *
 * 1. `apps.connections.open`, with the app-level token in the Authorization header, answers
 *    `{ ok: true, url }`: a one-time ticket on this server's `/link/` path.
 * 2. The app upgrades that URL to a WebSocket; the emulator sends `hello`.
 * 3. Envelopes (`events_api`, `interactive`, `slash_commands`) go to the newest open connection;
 *    the app answers each with `{ envelope_id, payload? }`.
 * 4. `disconnect` (`refresh_requested`, `warning`) asks the app to connect again with a new URL.
 *
 * The emulator answers the client's pings (the `ws` server pongs by itself: @slack/socket-mode
 * drops a connection whose pongs stop) and sends none, so the client's wait for server pings never
 * starts. It never redelivers an unacked envelope: the test sees the rejection instead.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Identity } from './emulator-state.js';
import type {
  EmulatorSocketMode,
  SlackResponseBody,
  SocketConnection,
  SocketDelivery,
  SocketDisconnectReason,
  SocketEnvelope,
  SocketEnvelopeType,
} from './emulator-types.js';
import { ok, refuse } from './method-handler.js';

/** Seconds Slack expects a connection to live before it refreshes it (its `hello` reports one). */
const APPROXIMATE_CONNECTION_TIME = 18_060;
const DEFAULT_ACK_TIMEOUT_MS = 3000;
const DEFAULT_DISCONNECT_GRACE_MS = 10_000;

interface LiveConnection {
  record: SocketConnection;
  socket: WebSocket;
}

interface PendingAck {
  delivery: SocketDelivery;
  resolve(payload: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function createSocketModeServer(deps: {
  identity: Identity;
  appToken: string;
  ackTimeoutMs: number | undefined;
  now: () => number;
  /** `ws://127.0.0.1:<port>`: where the emulator listens now. */
  origin: () => string;
}) {
  const { identity, appToken, now } = deps;
  const ackTimeoutMs = deps.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  // Tickets are single-use, as Slack's are: every (re)connection calls apps.connections.open again.
  const tickets = new Set<string>();
  const connections: LiveConnection[] = [];
  const deliveries: SocketDelivery[] = [];
  const pending = new Map<string, PendingAck>();
  const graceTimers = new Set<NodeJS.Timeout>();
  const wss = new WebSocketServer({ noServer: true, clientTracking: false });

  /**
   * `apps.connections.open`: the app-level token, only from the Authorization header ("passing it
   * as a POST parameter will result in an error": https://docs.slack.dev/reference/methods/apps.connections.open).
   */
  function openConnection(request: { headerToken: string | undefined; error?: string }): SlackResponseBody {
    const { headerToken } = request;
    if (headerToken === undefined) return refuse('not_authed');
    if (headerToken === identity.token) return refuse('not_allowed_token_type');
    if (headerToken !== appToken) return refuse('invalid_auth');
    if (request.error !== undefined) return refuse(request.error);
    const ticket = randomUUID();
    tickets.add(ticket);
    return ok({ url: `${deps.origin()}/link/?ticket=${ticket}&app_id=${identity.appId}` });
  }

  /** The HTTP server's `upgrade` event. */
  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node leaves an upgraded socket without an error listener; a client resetting it mid-refusal
    // must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/link/') {
      refuseUpgrade(socket, '404 Not Found', 'not a Socket Mode path');
      return;
    }
    const ticket = url.searchParams.get('ticket') ?? '';
    // How Slack turns away a spent ticket is not documented; refusing the handshake is what a
    // client can observe and retry from.
    if (!tickets.delete(ticket)) {
      refuseUpgrade(socket, '401 Unauthorized', 'unknown or used ticket: call apps.connections.open');
      return;
    }
    wss.handleUpgrade(request, socket, head, accept);
  }

  function accept(socket: WebSocket): void {
    const record: SocketConnection = {
      id: `applink-emulator-${connections.length + 1}`,
      openedAt: now(),
      closedAt: null,
      closedBy: null,
    };
    const live = { record, socket };
    connections.push(live);
    socket.on('message', (data, isBinary) => onMessage(data, isBinary));
    socket.on('close', () => onClose(live));
    // A reset connection also closes; the error itself needs no answer.
    socket.on('error', () => {});
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: openConnections().length,
        debug_info: {
          host: record.id,
          build_number: 1,
          approximate_connection_time: APPROXIMATE_CONNECTION_TIME,
        },
        connection_info: { app_id: identity.appId },
      }),
    );
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return; // Slack ignores what is not an ack; so does the emulator.
    }
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: envelopeId, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const delivery = deliveries.find((d) => d.envelope.envelope_id === envelopeId);
    if (delivery === undefined || delivery.ack !== null) return;
    const body = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
    delivery.ack = body;
    const waiting = pending.get(envelopeId);
    if (waiting === undefined) {
      delivery.outcome = 'late';
      return;
    }
    pending.delete(envelopeId);
    clearTimeout(waiting.timer);
    delivery.outcome = 'acked';
    waiting.resolve(body);
  }

  function onClose(live: LiveConnection): void {
    if (live.record.closedAt === null) {
      live.record.closedAt = now();
      live.record.closedBy ??= 'app';
    }
    for (const [envelopeId, waiting] of pending) {
      if (waiting.delivery.connectionId !== live.record.id) continue;
      fail(envelopeId, `connection ${live.record.id} closed before envelope ${envelopeId} was acked`);
    }
  }

  function fail(envelopeId: string, reason: string): void {
    const waiting = pending.get(envelopeId);
    if (waiting === undefined) return;
    pending.delete(envelopeId);
    clearTimeout(waiting.timer);
    waiting.delivery.outcome = 'unacked';
    waiting.reject(new Error(reason));
  }

  /** Marks the emulator as the closer before the close event can say it was the app. */
  function closeByEmulator(live: LiveConnection, how: 'close' | 'terminate'): void {
    if (live.record.closedAt !== null) return;
    live.record.closedBy = 'emulator';
    if (how === 'close') live.socket.close(1001, 'emulator closed the connection');
    else live.socket.terminate();
  }

  const openConnections = () => connections.filter((c) => c.record.closedAt === null);

  function send(
    type: SocketEnvelopeType,
    payload: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ): Promise<Record<string, unknown>> {
    const target = openConnections().at(-1);
    if (target === undefined) {
      return Promise.reject(new Error(`no open Socket Mode connection to send a ${type} envelope to`));
    }
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: acceptsResponsePayload(type, payload),
      // Only Events API envelopes count deliveries; this one is the first and only.
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
    };
    const delivery: SocketDelivery = {
      envelope,
      connectionId: target.record.id,
      sentAt: now(),
      outcome: 'pending',
      ack: null,
    };
    deliveries.push(delivery);
    const timeoutMs = options.timeoutMs ?? ackTimeoutMs;
    const acked = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          fail(
            envelope.envelope_id,
            `envelope ${envelope.envelope_id} (${type}) not acked within ${timeoutMs}ms`,
          ),
        timeoutMs,
      );
      pending.set(envelope.envelope_id, { delivery, resolve, reject, timer });
    });
    target.socket.send(JSON.stringify(envelope));
    return acked;
  }

  async function disconnect(
    reason: SocketDisconnectReason = 'refresh_requested',
    options: { graceMs?: number } = {},
  ): Promise<void> {
    const graceMs = options.graceMs ?? DEFAULT_DISCONNECT_GRACE_MS;
    await Promise.all(openConnections().map((live) => askToReconnect(live, reason, graceMs)));
  }

  function askToReconnect(
    live: LiveConnection,
    reason: SocketDisconnectReason,
    graceMs: number,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => closeByEmulator(live, 'close'), graceMs);
      graceTimers.add(timer);
      live.socket.once('close', () => {
        clearTimeout(timer);
        graceTimers.delete(timer);
        resolve();
      });
      live.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: live.record.id } }));
    });
  }

  const api: EmulatorSocketMode = {
    appToken,
    connections: () => connections.map((c) => c.record),
    deliveries: () => deliveries,
    send,
    disconnect,
    drop() {
      for (const live of openConnections()) closeByEmulator(live, 'terminate');
    },
  };

  return {
    api,
    openConnection,
    handleUpgrade,
    /** For the emulator's stop(): closes every connection and fails every envelope still waiting. */
    close(): void {
      for (const timer of graceTimers) clearTimeout(timer);
      graceTimers.clear();
      for (const envelopeId of [...pending.keys()]) fail(envelopeId, 'Slack emulator stopped');
      for (const live of openConnections()) closeByEmulator(live, 'terminate');
      tickets.clear();
    },
  };
}

/**
 * Slack takes an answer in the ack where the HTTP flow takes one in the response body: a slash
 * command's message, a view_submission's `response_action`, a block_suggestion's options.
 */
function acceptsResponsePayload(type: SocketEnvelopeType, payload: Record<string, unknown>): boolean {
  if (type === 'slash_commands') return true;
  if (type === 'interactive')
    return payload.type === 'view_submission' || payload.type === 'block_suggestion';
  return false;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function refuseUpgrade(socket: Duplex, status: string, message: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
