import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, signWebhook, startHarness, WRITE_KEY } from '../support/harness.js';

/**
 * Issue 18: what anyone on the internet can send at will — a dropped upload, a malformed body, bytes
 * that are not HTTP — is counted in `pls_requests_refused_total` and logged at debug or info
 * without a stack, never as an error that would flood the log.
 */
let pls: Harness;
beforeAll(async () => {
  pls = await startHarness({ logs: 'debug' });
});
afterAll(async () => {
  await pls.stop();
});

const ERROR = 50;
const WARN = 40;

async function refused(route: string, reason: string): Promise<number> {
  const text = await (await fetch(`${pls.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`pls_requests_refused_total{route="${route}",reason="${reason}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Sends the start of a request over a raw socket, then hangs up. */
function hangUpMidUpload(path: string): Promise<void> {
  const { port } = new URL(pls.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: pls\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"events":[`,
      );
      setTimeout(() => socket.destroy(), 20);
    });
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}

/** Bytes that are not HTTP at all. */
function sendGarbage(): Promise<string> {
  const { port } = new URL(pls.url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write('HELLO THERE\r\n\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.once('close', () => resolve(answer));
    socket.once('error', reject);
  });
}

/** Log lines about refusals that are loud (warn and up) or carry a stack. */
const loud = () =>
  pls
    .logs()
    .filter((line) => Number(line.level) >= WARN || JSON.stringify(line).includes('\\n    at '))
    .map((line) => line.msg);

describe('refused requests', () => {
  it('a client that hangs up mid-upload is counted and noted at info, not logged as an error', async () => {
    await hangUpMidUpload('/webhooks/usage');
    await hangUpMidUpload('/v1/batch');
    await eventually(
      async () => (await refused('/webhooks/usage', 'client_closed')) === 1,
      'webhook hang-up counted',
    );
    expect(await refused('/v1/batch', 'client_closed')).toBe(1);
    const noted = pls
      .logs()
      .filter((line) => String(line.msg).startsWith('the client closed the connection'));
    expect(noted.map((line) => line.level)).toEqual([30, 30]);
    expect(pls.logs().filter((line) => Number(line.level) >= ERROR)).toEqual([]);
    expect(loud()).toEqual([]);
  });

  it('malformed requests are counted by route and reason and logged quietly', async () => {
    const notJson = '{"id": nope';
    const webhook = await fetch(`${pls.url}/webhooks/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(notJson) },
      body: notJson,
    });
    expect(webhook.status).toBe(400);
    const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
    const gzip = await fetch(`${pls.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: basic, 'content-encoding': 'gzip' },
      body: 'not gzip',
    });
    expect(gzip.status).toBe(400);
    const unsigned = await fetch(`${pls.url}/webhooks/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    const slack = await fetch(`${pls.url}/slack/events`, { method: 'POST', body: 'payload=%7B' });
    expect(slack.status).toBe(401);
    expect(await sendGarbage()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);

    expect(await refused('/webhooks/usage', 'malformed')).toBe(1);
    expect(await refused('/v1/track', 'malformed')).toBe(1);
    expect(await refused('/webhooks/usage', 'unauthorised')).toBe(1);
    expect(await refused('/slack/events', 'unauthorised')).toBe(1);
    await eventually(async () => (await refused('(http)', 'malformed')) === 1, 'garbage counted');
    expect(pls.logs().filter((line) => Number(line.level) >= ERROR)).toEqual([]);
    expect(loud()).toEqual([]);
  });
});
