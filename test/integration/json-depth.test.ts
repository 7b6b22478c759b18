import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageEvent } from '../support/events.js';
import { type Harness, signWebhook, startHarness, WRITE_KEY } from '../support/harness.js';

/** Issue 18: JSON nested past 64 levels is an input error on every ingest endpoint, never a 500. */
let pls: Harness;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

const storedEvents = async () => (await pls.query<{ n: number }>('select count(*) as n from events'))[0]!.n;
const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

/** `{"x":{"x":…{"x":1}}}` with `levels` objects, as text (JSON.stringify would overflow on it). */
const nested = (levels: number) => `${'{"x":'.repeat(levels - 1)}{"x":1}${'}'.repeat(levels - 1)}`;
/** `[[…[1]…]]`: the shape that fits the most levels under Segment's 32 KB. */
const arrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
/** The same, spliced in as the value of `properties` of an otherwise valid body. */
const withProperties = (body: Record<string, unknown>, raw: string) =>
  JSON.stringify({ ...body, properties: '@@' }).replace('"@@"', raw);
const xs = (n: number) => Array.from({ length: n }, () => 'x').join('.');
const zeros = (n: number) => Array.from({ length: n }, () => '0').join('.');

const postWebhook = (raw: string) =>
  fetch(`${pls.url}/webhooks/usage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook(raw) },
    body: raw,
  });
const postSegment = (path: string, raw: string) =>
  fetch(`${pls.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic },
    body: raw,
  });

const track = (id: string) => ({
  type: 'track',
  messageId: id,
  userId: 'u_deep',
  event: 'session_started',
  context: { groupId: 'acct_deep' },
  timestamp: '2026-11-22T10:00:00Z',
});

describe('POST /webhooks/usage with deep JSON', () => {
  it('takes 64 levels, and refuses 65 and 5,000 with a 400 naming the field, storing nothing', async () => {
    const event = usageEvent({ type: 'session_started', account: { id: 'acct_deep' } });
    // The body is level 1, properties level 2: 62 more objects inside make 64.
    const fits = await postWebhook(withProperties(event, nested(63)));
    expect(fits.status).toBe(202);

    for (const levels of [64, 5_000]) {
      const before = await storedEvents();
      const raw = withProperties({ ...event, id: `evt_deep_${levels}` }, nested(levels));
      const res = await postWebhook(raw);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid body',
        code: 'request_invalid',
        errors: [{ path: `properties.${xs(63)}`, message: 'nested deeper than 64 levels' }],
      });
      expect(await storedEvents()).toBe(before);
    }
  });

  it('refuses a deep event inside a batch, naming it, and stores none of the batch', async () => {
    const before = await storedEvents();
    const ok = usageEvent({ type: 'session_started', account: { id: 'acct_deep' } });
    const deep = withProperties(usageEvent({ type: 'x', account: { id: 'acct_deep' } }), nested(10_000));
    const raw = `{"events":[${JSON.stringify(ok)},${deep}]}`;
    const res = await postWebhook(raw);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors).toEqual([
      { path: `events.1.properties.${xs(61)}`, message: 'nested deeper than 64 levels' },
    ]);
    expect(await storedEvents()).toBe(before);
  });
});

describe('the Segment-compatible endpoints with deep JSON', () => {
  it.each([
    ['/v1/track', track('m_track_deep')],
    ['/v1/identify', { userId: 'u_deep', messageId: 'm_identify_deep' }],
    ['/v1/group', { userId: 'u_deep', groupId: 'acct_deep', messageId: 'm_group_deep' }],
  ])('%s refuses 15,000 levels with a 400 naming the field', async (path, message) => {
    const before = await storedEvents();
    const res = await postSegment(path, withProperties(message, `{"x":${arrays(15_000)}}`));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid message',
      code: 'request_invalid',
      errors: [{ path: `properties.x.${zeros(62)}`, message: 'nested deeper than 64 levels' }],
    });
    expect(await storedEvents()).toBe(before);
  });

  it('/v1/track refuses a deep array as the whole body, and a deep writeKey', async () => {
    const deepArray = arrays(15_000);
    const whole = await postSegment('/v1/track', deepArray);
    expect(whole.status).toBe(400);
    const key = await fetch(`${pls.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"writeKey":${deepArray}}`,
    });
    expect(key.status).toBe(401);
  });

  it('/v1/batch rejects a 100,000-deep message by index and stores the others', async () => {
    const before = await storedEvents();
    const deep = withProperties(track('m_batch_deep'), `{"x":${arrays(100_000)}}`);
    const raw = `{"batch":[${JSON.stringify(track('m_batch_1'))},${deep},${JSON.stringify(track('m_batch_2'))}]}`;
    const res = await postSegment('/v1/batch', raw);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      accepted: 2,
      duplicates: 0,
      rejected: [
        {
          index: 1,
          errors: [{ path: `properties.x.${zeros(62)}`, message: 'nested deeper than 64 levels' }],
        },
      ],
    });
    expect(await storedEvents()).toBe(before + 2);
    const ids = await pls.query<{ id: string }>(
      "select id from events where id like 'm_batch_%' order by id",
    );
    expect(ids.map((row) => row.id)).toEqual(['m_batch_1', 'm_batch_2']);
  });

  it('/v1/batch refuses a deep envelope whole', async () => {
    const before = await storedEvents();
    const res = await postSegment('/v1/batch', `{"batch":[],"context":${arrays(100_000)}}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid batch',
      code: 'request_invalid',
      errors: [{ path: `context.${zeros(63)}`, message: 'nested deeper than 64 levels' }],
    });
    const array = await postSegment('/v1/batch', arrays(100_000));
    expect(array.status).toBe(400);
    expect(await storedEvents()).toBe(before);
  });
});
