import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createSlackEmulator, type SlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { quiet } from './support.js';

const APP_TOKEN = 'xapp-1-A0EXAMPLE-1-test';
const NOW = Date.UTC(2026, 0, 15, 12);

let emulator: SlackEmulator;
const opened: WebSocket[] = [];

beforeEach(async () => {
  emulator = createSlackEmulator({ now: () => NOW });
  await emulator.start();
});

afterEach(async () => {
  for (const socket of opened.splice(0)) socket.terminate();
  await emulator.stop();
});

/** apps.connections.open as @slack/socket-mode calls it: an empty-token WebClient with the header set. */
function connectionsOpen(authorization?: string) {
  const client = new WebClient(undefined, {
    slackApiUrl: emulator.url,
    retryConfig: { retries: 0 },
    logger: quiet,
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  return client.apps.connections.open().catch((error: { data?: unknown }) => error.data);
}

async function socketUrl(): Promise<string> {
  const result = (await connectionsOpen(`Bearer ${APP_TOKEN}`)) as { ok: boolean; url: string };
  expect(result.ok).toBe(true);
  return result.url;
}

interface Client {
  socket: WebSocket;
  /** Every text message the emulator sent, parsed, in order. */
  messages: Record<string, unknown>[];
  closed: Promise<number>;
}

/** A bare WebSocket client that records what it is sent from the first frame on. */
async function connect(url: string): Promise<Client> {
  const socket = new WebSocket(url);
  opened.push(socket);
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await emulator.waitFor(() => messages.some((m) => m.type === 'hello'), { description: 'hello' });
  return { socket, messages, closed };
}

/** The status an upgrade is refused with. */
function refusedWith(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('upgrade accepted')));
    socket.once('error', () => {});
  });
}

const ack = (client: Client, envelopeId: unknown, payload?: Record<string, unknown>) =>
  client.socket.send(
    JSON.stringify(
      payload === undefined ? { envelope_id: envelopeId } : { envelope_id: envelopeId, payload },
    ),
  );

const envelopes = (client: Client) => client.messages.filter((m) => typeof m.envelope_id === 'string');

describe('apps.connections.open', () => {
  it('answers a WebSocket URL on the emulator for the app-level token in the Authorization header', async () => {
    const result = await connectionsOpen(`Bearer ${APP_TOKEN}`);
    expect(result).toMatchObject({ ok: true });
    const url = new URL((result as { url: string }).url);
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe(new URL(emulator.url).host);
    expect(url.pathname).toBe('/link/');
    expect(url.searchParams.get('app_id')).toBe('A0EXAMPLE');
    expect(url.searchParams.get('ticket')).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.callsTo('apps.connections.open')[0]).toMatchObject({ token: APP_TOKEN, status: 200 });
  });

  it('refuses a missing, wrong, bot or body-borne token as Slack does', async () => {
    expect(await connectionsOpen()).toMatchObject({ ok: false, error: 'not_authed' });
    expect(await connectionsOpen('Bearer xapp-1-A0EXAMPLE-1-wrong')).toMatchObject({
      ok: false,
      error: 'invalid_auth',
    });
    expect(await connectionsOpen('Bearer xoxb-test')).toMatchObject({
      ok: false,
      error: 'not_allowed_token_type',
    });
    // WebClient always moves a token into the header, so the form field goes by hand.
    const inBody = await fetch(`${emulator.url}apps.connections.open`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${APP_TOKEN}`,
    });
    expect(await inBody.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(emulator.callsTo('apps.connections.open').every((call) => call.status === 200)).toBe(true);
  });
});

describe('the WebSocket', () => {
  it('sends hello with the connection count, debug info and app id, and records the connection', async () => {
    const first = await connect(await socketUrl());
    expect(first.messages[0]).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: 'applink-emulator-1', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: 'A0EXAMPLE' },
    });
    const second = await connect(await socketUrl());
    expect(second.messages[0]).toMatchObject({ type: 'hello', num_connections: 2 });
    expect(emulator.socketMode.connections()).toEqual([
      { id: 'applink-emulator-1', openedAt: NOW, closedAt: null, closedBy: null },
      { id: 'applink-emulator-2', openedAt: NOW, closedAt: null, closedBy: null },
    ]);
  });

  it('takes each ticket once and only on the /link/ path', async () => {
    const url = await socketUrl();
    await connect(url);
    expect(await refusedWith(url)).toBe(401);
    expect(await refusedWith(url.replace(/ticket=[^&]+/, 'ticket=made-up'))).toBe(401);
    const other = new URL(await socketUrl());
    other.pathname = '/elsewhere/';
    expect(await refusedWith(other.toString())).toBe(404);
  });

  it('answers pings with pongs, which @slack/socket-mode needs to keep a connection', async () => {
    const client = await connect(await socketUrl());
    const pong = new Promise<string>((resolve) =>
      client.socket.once('pong', (data) => resolve(String(data))),
    );
    client.socket.ping('Ping from client (1)');
    expect(await pong).toBe('Ping from client (1)');
  });
});

describe('envelopes', () => {
  it('sends each kind in Slack’s shape to the newest connection and resolves with the ack’s payload', async () => {
    const older = await connect(await socketUrl());
    const client = await connect(await socketUrl());

    const command = emulator.socketMode.send('slash_commands', { command: '/pls', text: 'queue' });
    const sent = await emulator.waitFor(() => envelopes(client)[0]);
    expect(sent).toEqual({
      envelope_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'slash_commands',
      payload: { command: '/pls', text: 'queue' },
      accepts_response_payload: true,
    });
    ack(client, sent.envelope_id, { response_type: 'ephemeral', text: 'Nothing in the queue.' });
    expect(await command).toEqual({ response_type: 'ephemeral', text: 'Nothing in the queue.' });

    const click = emulator.socketMode.send('interactive', { type: 'block_actions', actions: [] });
    const submission = emulator.socketMode.send('interactive', { type: 'view_submission', view: {} });
    const event = emulator.socketMode.send('events_api', {
      type: 'event_callback',
      event: { type: 'app_home_opened' },
    });
    await emulator.waitFor(() => envelopes(client).length === 4);
    const [, clickEnvelope, submissionEnvelope, eventEnvelope] = envelopes(client);
    expect(clickEnvelope).toMatchObject({ type: 'interactive', accepts_response_payload: false });
    expect(submissionEnvelope).toMatchObject({ type: 'interactive', accepts_response_payload: true });
    expect(eventEnvelope).toMatchObject({
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
    });
    // @slack/socket-mode acks with `payload: {}` when the listener gave nothing; a bare ack counts too.
    ack(client, clickEnvelope!.envelope_id, {});
    ack(client, submissionEnvelope!.envelope_id, { response_action: 'errors', errors: { note: 'too long' } });
    ack(client, eventEnvelope!.envelope_id);
    expect(await click).toEqual({});
    expect(await submission).toEqual({ response_action: 'errors', errors: { note: 'too long' } });
    expect(await event).toEqual({});

    expect(envelopes(older)).toEqual([]);
    expect(emulator.socketMode.deliveries().map((d) => [d.connectionId, d.outcome])).toEqual([
      ['applink-emulator-2', 'acked'],
      ['applink-emulator-2', 'acked'],
      ['applink-emulator-2', 'acked'],
      ['applink-emulator-2', 'acked'],
    ]);
  });

  it('rejects an envelope nobody acks in time, never redelivers it, and records a late ack as late', async () => {
    const client = await connect(await socketUrl());
    const unacked = emulator.socketMode.send('interactive', { type: 'block_actions' }, { timeoutMs: 50 });
    await expect(unacked).rejects.toThrow(/not acked within 50ms/);
    const [delivery] = emulator.socketMode.deliveries();
    expect(delivery).toMatchObject({ outcome: 'unacked', ack: null });

    ack(client, delivery!.envelope.envelope_id, { text: 'too late' });
    await emulator.waitFor(() => delivery!.outcome === 'late');
    expect(delivery!.ack).toEqual({ text: 'too late' });
    expect(envelopes(client)).toHaveLength(1);
  });

  it('ignores acks for envelopes it never sent and messages that are not acks', async () => {
    const client = await connect(await socketUrl());
    const pending = emulator.socketMode.send('interactive', { type: 'block_actions' });
    const sent = await emulator.waitFor(() => envelopes(client)[0]);
    client.socket.send('not json');
    ack(client, 'not-an-envelope', { text: 'stray' });
    ack(client, sent.envelope_id, { text: 'mine' });
    expect(await pending).toEqual({ text: 'mine' });
    expect(emulator.socketMode.deliveries()).toHaveLength(1);
  });

  it('rejects at once with no open connection, and when the connection closes before the ack', async () => {
    await expect(emulator.socketMode.send('slash_commands', { command: '/pls' })).rejects.toThrow(
      /no open Socket Mode connection/,
    );
    const client = await connect(await socketUrl());
    const pending = emulator.socketMode.send('slash_commands', { command: '/pls' });
    await emulator.waitFor(() => envelopes(client)[0]);
    client.socket.close(1000);
    await expect(pending).rejects.toThrow(/closed before envelope .* was acked/);
    expect(emulator.socketMode.connections()[0]).toMatchObject({ closedAt: NOW, closedBy: 'app' });
  });
});

describe('reconnects', () => {
  it('asks every connection to reconnect with disconnect/refresh_requested and resolves once the app closed them', async () => {
    const client = await connect(await socketUrl());
    client.socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'disconnect') client.socket.close(1000);
    });
    await emulator.socketMode.disconnect();
    expect(client.messages.at(-1)).toEqual({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: 'applink-emulator-1' },
    });
    expect(emulator.socketMode.connections()[0]).toMatchObject({ closedBy: 'app' });
  });

  it('closes a connection itself when the app ignores a warning past the grace period', async () => {
    const client = await connect(await socketUrl());
    await emulator.socketMode.disconnect('warning', { graceMs: 50 });
    expect(client.messages.at(-1)).toMatchObject({ type: 'disconnect', reason: 'warning' });
    expect(await client.closed).toBe(1001);
    expect(emulator.socketMode.connections()[0]).toMatchObject({ closedBy: 'emulator' });
  });

  it('drops connections without a close frame, as a failing network does', async () => {
    const client = await connect(await socketUrl());
    emulator.socketMode.drop();
    expect(await client.closed).toBe(1006);
    expect(emulator.socketMode.connections()[0]).toMatchObject({ closedBy: 'emulator' });
  });

  it('stop() closes every connection and fails every envelope still waiting', async () => {
    const client = await connect(await socketUrl());
    const pending = emulator.socketMode.send('interactive', { type: 'block_actions' });
    await emulator.waitFor(() => envelopes(client)[0]);
    await emulator.stop();
    await expect(pending).rejects.toThrow(/emulator stopped/);
    expect(await client.closed).toBe(1006);
    await emulator.start(); // afterEach stops it again
  });
});
