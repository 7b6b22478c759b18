import { App, LogLevel as BoltLogLevel } from '@slack/bolt';
import {
  ErrorCode,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  WebClientEvent,
} from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackEmulator, type SlackEmulator } from '../../tools/emulator/slack-emulator.js';
import { quiet } from './support.js';

let emulator: SlackEmulator;
let client: WebClient;

beforeEach(async () => {
  emulator = createSlackEmulator();
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

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e,
  );
}

describe('fail()', () => {
  it('answers the next call with { ok: false, error } and then recovers', async () => {
    emulator.fail('chat.postMessage', { error: 'fatal_error' });

    const error = await rejection(client.chat.postMessage({ channel: 'C0EXAMPLE', text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data.error).toBe('fatal_error');
    expect(emulator.messages('C0EXAMPLE')).toEqual([]);

    await client.chat.postMessage({ channel: 'C0EXAMPLE', text: 'x' });
    expect(emulator.messages('C0EXAMPLE')).toHaveLength(1);
  });

  it('fails exactly `times` calls, only for that method', async () => {
    emulator.fail('chat.update', { error: 'internal_error', times: 2 });
    await client.auth.test();
    const outcomes = await Promise.allSettled([
      client.apiCall('chat.update', {}),
      client.apiCall('chat.update', {}),
      client.apiCall('chat.update', {}),
    ]);
    const errors = outcomes.map((o) =>
      o.status === 'rejected' ? (o.reason as WebAPIPlatformError).data.error : 'ok',
    );
    expect(errors.filter((e) => e === 'internal_error')).toHaveLength(2);
    // The third call reaches the method, which wants a channel.
    expect(errors.filter((e) => e === 'channel_not_found')).toHaveLength(1);
  });

  it('answers an HTTP 500 that WebClient surfaces as an HTTP error', async () => {
    emulator.fail('chat.postMessage', { status: 500 });
    const error = await rejection(client.chat.postMessage({ channel: 'C0EXAMPLE', text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect(error).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(emulator.callsTo('chat.postMessage')[0]).toMatchObject({ status: 500, response: { ok: false } });
  });

  it('answers 429 with Retry-After, which WebClient rejects when told to', async () => {
    const strict = new WebClient('xoxb-test', {
      slackApiUrl: emulator.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: quiet,
    });
    emulator.fail('chat.postMessage', { retryAfter: 7 });

    const error = await rejection(strict.chat.postMessage({ channel: 'C0EXAMPLE', text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(emulator.callsTo('chat.postMessage')[0]).toMatchObject({
      status: 429,
      response: { ok: false, error: 'ratelimited' },
    });
  });

  it('lets WebClient wait out Retry-After and retry by itself', async () => {
    const patient = new WebClient('xoxb-test', {
      slackApiUrl: emulator.url,
      // minTimeout 0: no back-off on top of the (zero) Retry-After.
      retryConfig: { retries: 1, minTimeout: 0 },
      logger: quiet,
    });
    const waits: number[] = [];
    patient.on(WebClientEvent.RATE_LIMITED, (seconds: number) => waits.push(seconds));
    emulator.fail('chat.postMessage', { retryAfter: 0 });

    const result = await patient.chat.postMessage({ channel: 'C0EXAMPLE', text: 'x' });
    expect(result.ok).toBe(true);
    expect(waits).toEqual([0]);
    expect(emulator.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('keeps failing with times: Infinity until clearFailures(), for every method with *', async () => {
    emulator.fail('*', { status: 503, times: Number.POSITIVE_INFINITY });
    for (const call of [client.auth.test(), client.users.info({ user: 'U0EXAMPLE' }), client.auth.test()]) {
      expect(await rejection(call)).toMatchObject({
        statusCode: 503,
        body: { error: 'service_unavailable' },
      });
    }
    emulator.clearFailures();
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('rejects a failure that says nothing', () => {
    expect(() => emulator.fail('auth.test', {})).toThrow(TypeError);
    expect(() => emulator.fail('auth.test', { error: 'x', times: 0 })).toThrow(/times/);
    expect(() => emulator.fail('auth.test', { status: 200 })).toThrow(/status/);
  });

  it('holds a hung call open until stop(), which drops it', async () => {
    emulator.fail('chat.postMessage', { hang: true });
    const pending = rejection(client.chat.postMessage({ channel: 'C0EXAMPLE', text: 'x' }));

    const call = await emulator.waitFor(() => emulator.callsTo('chat.postMessage')[0]);
    expect(call).toMatchObject({ status: null, response: null });
    await emulator.stop();
    expect(await pending).toBeInstanceOf(WebAPIRequestError);
  });
});

describe('waitFor()', () => {
  it('resolves with the first usable value of the probe', async () => {
    const waiting = emulator.waitFor(() => emulator.callsTo('auth.test')[0]?.response);
    await client.auth.test();
    expect(await waiting).toMatchObject({ ok: true, user_id: 'U0EXAMPLEBOT' });
  });

  it('rejects at the deadline, naming what it waited for and the last probe error', async () => {
    const error = await rejection(
      emulator.waitFor(
        () => {
          throw new Error('no alert yet');
        },
        { timeoutMs: 30, intervalMs: 5, description: 'the alert in #pls-alerts' },
      ),
    );
    expect((error as Error).message).toBe(
      'waitFor timed out after 30ms waiting for: the alert in #pls-alerts; last probe error: no alert yet',
    );
  });

  it('names the probe by its source when given no description', async () => {
    const error = await rejection(
      emulator.waitFor(() => emulator.callsTo('views.open').length > 0, { timeoutMs: 20 }),
    );
    // The source as the test runner compiled it, quotes and all.
    expect((error as Error).message).toMatch(
      /waiting for: \(\) => emulator\.callsTo\(["']views\.open["']\)\.length > 0$/,
    );
  });
});

describe('HTTP surface', () => {
  it('takes JSON bodies with the token in the Authorization header', async () => {
    const response = await fetch(`${emulator.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: 'C0EXAMPLE', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toMatchObject({ ok: true, message: { blocks: [{ type: 'divider' }] } });
  });

  it('takes the token as a form field, and keeps it out of the recorded args', async () => {
    const response = await fetch(`${emulator.url}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=xoxb-test',
    });
    expect(await response.json()).toMatchObject({ ok: true });
    expect(emulator.callsTo('auth.test')[0]).toMatchObject({ token: 'xoxb-test', args: {} });
  });

  it('answers not_authed without a token, invalid_blocks_format for unparsable blocks, invalid_json for bad JSON', async () => {
    const post = async (method: string, body: string, headers: Record<string, string>) =>
      (await fetch(`${emulator.url}${method}`, { method: 'POST', headers, body })).json();
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-test' };

    expect(await post('auth.test', '', {})).toEqual({ ok: false, error: 'not_authed' });
    expect(await post('chat.postMessage', 'channel=C0EXAMPLE&text=x&blocks=%5Bnot-json', form)).toEqual({
      ok: false,
      error: 'invalid_blocks_format',
    });
    expect(
      await post('chat.postMessage', '{"channel":', { ...form, 'content-type': 'application/json' }),
    ).toEqual({
      ok: false,
      error: 'invalid_json',
    });
  });

  it('answers 404 outside /api/', async () => {
    const response = await fetch(emulator.url.replace('/api/', '/hooks/x'), { method: 'POST' });
    expect(response.status).toBe(404);
    expect(emulator.calls).toEqual([]);
  });

  it('listens on 127.0.0.1 only and is gone after stop()', async () => {
    const url = emulator.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    await emulator.stop();
    expect(() => emulator.url).toThrow(/not started/);
    await expect(fetch(`${url}auth.test`, { method: 'POST' })).rejects.toThrow();
  });
});

describe('Bolt', () => {
  it('gets its start-up auth.test answered', async () => {
    const app = new App({
      token: 'xoxb-test',
      signingSecret: 'not-used-here',
      deferInitialization: true,
      logLevel: BoltLogLevel.ERROR,
      clientOptions: { slackApiUrl: emulator.url, retryConfig: { retries: 0 } },
    });
    await app.init();
    expect(emulator.callsTo('auth.test')).toMatchObject([
      { token: 'xoxb-test', response: { ok: true, user_id: 'U0EXAMPLEBOT', bot_id: 'B0EXAMPLE' } },
    ]);
  });
});
