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

const storedEvents = async () => (await pls.query<{ n: number }>('select count(*) as n from events'))[0]!.n;

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
  it('answers only the statuses the README documents, stores exactly what it acknowledges, and keeps serving', async () => {
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
          const before = await storedEvents();
          const res = await fetch(`${pls.url}/webhooks/usage`, { method: 'POST', headers, body: raw });
          expect([202, 400, 401, 415]).toContain(res.status);
          const answer = (await res.json()) as { accepted?: number };
          if (res.status === 202) {
            expect((await storedEvents()) - before).toBe(answer.accepted);
            acceptedTotal += answer.accepted!;
          } else {
            expect(await storedEvents()).toBe(before); // a refusal changes nothing
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    expect(await storedEvents()).toBe(acceptedTotal);
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
          const before = await storedEvents();
          const res = await fetch(`${pls.url}/v1/batch`, {
            method: 'POST',
            headers,
            body: gzip ? gzipSync(raw) : raw,
          });
          expect([200, 401]).toContain(res.status);
          const answer = (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
          if (res.status === 200) {
            expect(answer.accepted + answer.duplicates + answer.rejected.length).toBe(batch.length);
            expect((await storedEvents()) - before).toBe(answer.accepted);
          } else {
            expect(await storedEvents()).toBe(before);
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });
});

/** Every name JavaScript objects already have: `__proto__`, `constructor`, `toString`, `push`, … */
const BUILT_IN_NAMES = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype),
    ...Object.getOwnPropertyNames(Function.prototype),
    ...Object.getOwnPropertyNames(Array.prototype),
  ]),
];
const builtInName = fc.constantFrom(...BUILT_IN_NAMES);

/** JSON text nested `levels` deep, of objects keyed by a built-in name or of arrays (as text: no recursion). */
const deepJson = fc
  .record({
    // Around the 64-level limit, and far past it (5,000 levels overflowed the stack before).
    levels: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 5_000, max: 20_000 })),
    arrays: fc.boolean(),
    key: builtInName,
  })
  .map(({ levels, arrays, key }) =>
    arrays
      ? `${'['.repeat(levels)}1${']'.repeat(levels)}`
      : `${`{${JSON.stringify(key)}:`.repeat(levels)}1${'}'.repeat(levels)}`,
  );

/** What a hostile sender varies: names, nesting and size, each sometimes. */
const hostility = fc.record({
  name: builtInName,
  deep: fc.option(deepJson, { nil: undefined }),
  /** Filler, around the 32 KB message limit or, rarely, the 1 MiB webhook limit. */
  pad: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 30_000, max: 34_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_040_000, max: 1_060_000 }) },
  ),
});
type Hostility = typeof hostility extends fc.Arbitrary<infer T> ? T : never;

/** `value` as JSON with `"@deep"` replaced by the deep text: JSON.stringify could not nest it. */
const withDeep = (value: unknown, deep: string | undefined) =>
  JSON.stringify(value).replace('"@deep"', deep ?? 'null');

/** A native event naming `name` everywhere a name goes: account, user, feature, limit, a key. */
function hostileEvent({ name, deep, pad }: Hostility): string {
  const event = usageEvent({
    type: 'usage_limit_hit',
    account: { id: name, name },
    user: { id: name },
    properties: {
      [name]: name,
      feature: name,
      limit: name,
      used: 1,
      quota: 1,
      nest: '@deep',
      pad: 'x'.repeat(pad),
    },
  });
  return withDeep(event, deep);
}

/** A Segment track message the same way. */
function hostileMessage({ name, deep, pad }: Hostility): string {
  const message = {
    type: 'track',
    messageId: `m_${Math.random().toString(36).slice(2)}`,
    userId: name,
    event: 'feature_used',
    context: { groupId: name, traits: { [name]: name } },
    properties: { [name]: name, feature: name, nest: '@deep', pad: 'x'.repeat(pad) },
  };
  return withDeep(message, deep);
}

const basicAuth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

/**
 * Posts `raw` and checks the invariant: a status from `allowed` (never a 5xx); what is acknowledged
 * is stored, a refusal stores nothing. Returns how many events it stored.
 */
async function postHostile(path: string, raw: string, allowed: number[]): Promise<number> {
  const headers: Record<string, string> =
    path === '/webhooks/usage'
      ? { 'content-type': 'application/json', ...signWebhook(raw) }
      : { 'content-type': 'application/json', authorization: basicAuth };
  const before = await storedEvents();
  const res = await fetch(`${pls.url}${path}`, { method: 'POST', headers, body: raw });
  expect(allowed, `${path} answered ${res.status}`).toContain(res.status);
  const answer = (await res.json()) as { accepted?: number };
  if (res.status >= 300) {
    expect(await storedEvents()).toBe(before);
    return 0;
  }
  expect((await storedEvents()) - before).toBe(answer.accepted);
  return answer.accepted!;
}

function postTo(endpoint: string, senders: readonly Hostility[]): Promise<number> {
  const [first] = senders as [Hostility];
  switch (endpoint) {
    case 'webhook':
      return postHostile('/webhooks/usage', hostileEvent(first), [202, 400, 413]);
    case 'webhook batch':
      return postHostile(
        '/webhooks/usage',
        `{"events":[${senders.map(hostileEvent).join(',')}]}`,
        [202, 400, 413],
      );
    case 'batch':
      return postHostile(
        '/v1/batch',
        `{"batch":[${senders.map(hostileMessage).join(',')}]}`,
        [200, 400, 413],
      );
    default:
      return postHostile(`/v1/${endpoint}`, hostileMessage(first), [200, 400, 413]);
  }
}

describe('every ingest endpoint under hostile input: depth, size, built-in names', () => {
  it('never answers 5xx, and stores exactly what it acknowledges', async () => {
    const start = await storedEvents();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('webhook', 'webhook batch', 'track', 'identify', 'group', 'batch'),
        fc.array(hostility, { minLength: 1, maxLength: 3 }),
        async (endpoint, senders) => {
          accepted += await postTo(endpoint, senders);
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
    expect((await storedEvents()) - start).toBe(accepted);
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });
});
