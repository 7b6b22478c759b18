import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageEvent } from '../support/events.js';
import { type Harness, signWebhook, startHarness, WRITE_KEY } from '../support/harness.js';

/** Property tests of the ingest boundary: fixed seed, bounded runs, real HTTP against the real app. */
const SEED = 20261122;

let pls: Harness;
let acceptedTotal = 0;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

const storedEvents = () => pls.query<{ n: number }>('select count(*) as n from events')[0]!.n;

/** A valid event with a few fields randomly broken, dropped or retyped. */
const mutatedEvent = fc
  .record({
    drop: fc.subarray(['id', 'type', 'timestamp', 'account', 'user', 'properties']),
    retype: fc.subarray(['id', 'type', 'timestamp', 'account', 'user', 'properties']),
    junk: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer()), fc.boolean()),
    account: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ drop, retype, junk, account }) => {
    const event = usageEvent({ type: 'session_started', account: { id: `acct_fuzz_${account}` } });
    for (const key of drop) delete event[key];
    for (const key of retype) event[key] = junk;
    return event;
  });

const body = fc.oneof(
  { weight: 3, arbitrary: mutatedEvent },
  { weight: 2, arbitrary: fc.array(mutatedEvent, { maxLength: 8 }).map((events) => ({ events })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

describe('POST /webhooks/usage under random input', () => {
  it('answers only the statuses SPEC allows, stores exactly what it acknowledges, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
        fc.boolean(),
        async (payload, contentType, signed) => {
          const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
          const headers: Record<string, string> = signed
            ? signWebhook(raw)
            : { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,bad' };
          if (contentType) headers['content-type'] = contentType;
          const before = storedEvents();
          const res = await fetch(`${pls.url}/webhooks/usage`, { method: 'POST', headers, body: raw });
          expect([202, 400, 401, 415]).toContain(res.status);
          const answer = (await res.json()) as { accepted?: number };
          if (res.status === 202) {
            expect(storedEvents() - before).toBe(answer.accepted);
            acceptedTotal += answer.accepted!;
          } else {
            expect(storedEvents()).toBe(before); // a refusal changes nothing
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    expect(storedEvents()).toBe(acceptedTotal);
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });

  it('refuses pathological JSON with a 4xx: deep nesting, a huge string', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const res = await fetch(`${pls.url}/webhooks/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(deep) },
      body: deep,
    });
    expect(res.status).toBe(400);
    const big = JSON.stringify({
      ...usageEvent({ type: 'x' }),
      properties: { s: 'x'.repeat(2 * 1024 * 1024) },
    });
    const tooBig = await fetch(`${pls.url}/webhooks/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(big) },
      body: big,
    });
    expect(tooBig.status).toBe(413);
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });
});

const segmentMessage = fc.oneof(
  fc.record({
    type: fc.constantFrom('track', 'identify', 'group', 'page', 'alias', 'bogus'),
    event: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    userId: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
    groupId: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
    messageId: fc.uuid(),
    timestamp: fc.option(
      fc.constantFrom('2026-11-22T10:00:00Z', 'yesterday', '2026-11-22T10:00:00.123+02:00'),
      { nil: undefined },
    ),
    properties: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), {
      nil: undefined,
    }),
  }),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('POST /v1/batch under random input', () => {
  it('answers 200 with accepted + rejected covering every message, or a 4xx that stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segmentMessage, { maxLength: 10 }),
        fc.boolean(),
        fc.boolean(),
        async (batch, gzip, authorised) => {
          const raw = Buffer.from(JSON.stringify({ batch }));
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          if (authorised) headers.authorization = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
          if (gzip) headers['content-encoding'] = 'gzip';
          const before = storedEvents();
          const res = await fetch(`${pls.url}/v1/batch`, {
            method: 'POST',
            headers,
            body: gzip ? gzipSync(raw) : raw,
          });
          expect([200, 401]).toContain(res.status);
          const answer = (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
          if (res.status === 200) {
            expect(answer.accepted + answer.duplicates + answer.rejected.length).toBe(batch.length);
            expect(storedEvents() - before).toBe(answer.accepted);
          } else {
            expect(storedEvents()).toBe(before);
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });
});
