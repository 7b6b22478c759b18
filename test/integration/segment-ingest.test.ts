import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import Analytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, WRITE_KEY } from '../support/harness.js';
import { errorOf } from '../support/http.js';
import { FIXTURES } from '../support/slack-requests.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as {
    request: { path: string; headers: Record<string, string> };
    body: { batch: Record<string, unknown>[] };
    raw_body_base64?: string;
  };
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

let pls: Harness;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

const eventRows = (accountId: string) =>
  pls.query<{ id: string; type: string; source: string; occurred_at: number }>(
    'select id, type, source, occurred_at from events where account_id = ? order by seq',
    accountId,
  );

async function replay(
  name: string,
  overrides: { headers?: Record<string, string>; body?: Buffer | string } = {},
) {
  const f = fixture(name);
  const headers = { ...f.request.headers, ...overrides.headers };
  const body =
    overrides.body ?? (f.raw_body_base64 ? Buffer.from(f.raw_body_base64, 'base64') : JSON.stringify(f.body));
  return fetch(`${pls.url}${f.request.path}`, { method: 'POST', headers, body });
}

describe('the Segment-compatible endpoints, fed by the real SDKs', () => {
  it('stores what @segment/analytics-node sends and maps identify, group and track', async () => {
    const analytics = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: pls.url,
      flushAt: 20,
      maxRetries: 0,
    });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.identify({
      userId: 'u_seg',
      traits: { email: 'Kim@Initech.example', name: 'Kim Lee', title: 'VP Engineering' },
    });
    analytics.group({
      userId: 'u_seg',
      groupId: 'acct_seg',
      traits: {
        name: 'Initech',
        website: 'https://initech.example',
        plan: 'free',
        employees: 250,
        industry: 'software',
      },
    });
    analytics.track({
      userId: 'u_seg',
      event: 'usage_limit_hit',
      properties: { limit: 'API calls', used: 10000, quota: 10000 },
      context: { groupId: 'acct_seg' },
    });
    analytics.track({ userId: 'u_seg', event: 'pricing_page_viewed', context: { groupId: 'acct_seg' } });
    await analytics.closeAndFlush({ timeout: 5000 });
    expect(failures).toEqual([]);

    const rows = await eventRows('acct_seg');
    expect(rows.map((r) => r.type)).toEqual(['group', 'usage_limit_hit', 'pricing_page_viewed']);
    expect(rows.every((r) => r.source === 'segment' && r.id.startsWith('node-next-'))).toBe(true);
    await pls.emulator.waitFor(
      async () =>
        (await pls.query('select 1 from accounts where id = ? and name is not null', 'acct_seg')).length > 0,
    );
    expect(
      await pls.query(
        'select name, domain, plan, employees, industry from accounts where id = ?',
        'acct_seg',
      ),
    ).toEqual([
      { name: 'Initech', domain: 'initech.example', plan: 'free', employees: 250, industry: 'software' },
    ]);
    expect(await pls.query('select email, name, title from users where id = ?', 'u_seg')).toEqual([
      { email: 'kim@initech.example', name: 'Kim Lee', title: 'VP Engineering' },
    ]);
  });

  it('stores what @rudderstack/rudder-sdk-node sends: gzip labelled as form data, two requests', async () => {
    const errors: unknown[] = [];
    const client = new Analytics(WRITE_KEY, {
      dataPlaneUrl: pls.url,
      flushAt: 20,
      flushInterval: 60_000,
      retryCount: 0,
      errorHandler: (e: unknown) => errors.push(e),
      logLevel: 'error',
    });
    client.identify({
      userId: 'u_rud',
      traits: { email: 'ann@umbrella.example', name: 'Ann Bell', title: 'CTO' },
    });
    client.group({
      userId: 'u_rud',
      groupId: 'acct_rud',
      traits: { name: 'Umbrella', website: 'umbrella.example', plan: 'free', employees: 900 },
    });
    client.track({
      userId: 'u_rud',
      event: 'usage_limit_hit',
      properties: { limit: 'seats', used: 10, quota: 10 },
      context: { groupId: 'acct_rud' },
    });
    await new Promise<void>((done) => client.flush(() => done()));
    await pls.emulator.waitFor(async () => (await eventRows('acct_rud')).length === 2, {
      description: 'both RudderStack messages with the account',
    });
    expect(errors).toEqual([]);
    expect((await eventRows('acct_rud')).map((r) => r.type)).toEqual(['group', 'usage_limit_hit']);
    await pls.emulator.waitFor(
      async () =>
        (await pls.query('select 1 from users where id = ? and email is not null', 'u_rud')).length > 0,
    );
  });
});

describe('the captured fixtures, replayed byte for byte', () => {
  it('accepts the Segment capture (plain JSON, write key in Basic auth and body)', async () => {
    const res = await replay('segment-analytics-node-batch.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 4, duplicates: 0, rejected: [] });
    const track = await pls.query<{ occurred_at: number }>(
      'select occurred_at from events where type = ? and source = ? and account_id = ?',
      'usage_limit_hit',
      'segment',
      'acct_42',
    );
    expect(track[0]!.occurred_at).toBe(Date.parse('2026-11-22T16:55:39.496Z'));
  });

  it('accepts both RudderStack captures (gzip, form content type, originalTimestamp)', async () => {
    const first = await replay('rudderstack-node-batch-first-flush.json');
    expect(await first.json()).toMatchObject({ accepted: 1, rejected: [] });
    const second = await replay('rudderstack-node-batch.json');
    expect(await second.json()).toMatchObject({ accepted: 3, rejected: [] });
    const [row] = await pls.query<{ occurred_at: number }>(
      'select occurred_at from events where id = ?',
      'aac55c52-5dc0-40be-9809-337e895e7cac',
    );
    expect(row!.occurred_at).toBe(Date.parse('2026-11-22T16:55:39.983Z'));
  });

  it('counts a resent batch as duplicates', async () => {
    const res = await replay('rudderstack-node-batch.json');
    expect(await res.json()).toMatchObject({ accepted: 0, duplicates: 3 });
  });
});

describe('partial acceptance and refusals', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${pls.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(WRITE_KEY), ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  it('stores the valid messages of a batch and lists the rejected ones by index, with 200', async () => {
    const res = await post('/v1/batch', {
      batch: [
        {
          type: 'track',
          event: 'feature_used',
          userId: 'u1',
          messageId: 'm-ok-1',
          context: { groupId: 'acct_mixed' },
          properties: { feature: 'api' },
        },
        { type: 'track', userId: 'u1', messageId: 'm-bad-1' },
        { type: 'alias', userId: 'u1', messageId: 'm-bad-2' },
        {
          type: 'track',
          event: 'x',
          userId: 'u1',
          messageId: 'm-big',
          properties: { blob: 'x'.repeat(33 * 1024) },
        },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      accepted: number;
      rejected: { index: number; errors: { path: string }[] }[];
    };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(body.rejected[0]!.errors[0]!.path).toBe('event');
    expect((await eventRows('acct_mixed')).map((r) => r.id)).toEqual(['m-ok-1']);
  });

  it('measures a batch message by its serialised bytes: 16 KB of two-byte characters is under 32 KB', async () => {
    const note = (messageId: string, chars: number) => ({
      type: 'track',
      event: 'note_added',
      userId: 'u1',
      messageId,
      context: { groupId: 'acct_wide' },
      properties: { text: 'é'.repeat(chars) },
    });
    const res = await post('/v1/batch', { batch: [note('m-wide', 8 * 1024), note('m-too-wide', 17 * 1024)] });
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, errors: [{ path: '(message)', message: 'message over 32 KB' }] }],
    });
    expect((await eventRows('acct_wide')).map((r) => r.id)).toEqual(['m-wide']);
  });

  it('maps the account from properties.account_id and keeps a message with no account', async () => {
    const res = await post('/v1/track', {
      event: 'feature_used',
      userId: 'u2',
      messageId: 'm-prop',
      properties: { account_id: 'acct_prop' },
    });
    expect(await res.json()).toMatchObject({ accepted: 1 });
    expect(await eventRows('acct_prop')).toHaveLength(1);
    const loose = await post('/v1/track', {
      event: 'feature_used',
      anonymousId: 'anon',
      messageId: 'm-loose',
    });
    expect(await loose.json()).toMatchObject({ accepted: 1 });
    expect(await pls.query('select account_id from events where id = ?', 'm-loose')).toEqual([
      { account_id: null },
    ]);
  });

  it('takes the write key from the body when there is no Basic auth', async () => {
    const res = await post(
      '/v1/identify',
      { writeKey: WRITE_KEY, userId: 'u3', messageId: 'm-body-key', traits: { email: 'a@b.example' } },
      { authorization: '' },
    );
    expect(res.status).toBe(200);
  });

  it('refuses a wrong or missing write key with 401 and stores nothing', async () => {
    const wrong = await post(
      '/v1/track',
      { event: 'x', userId: 'u', messageId: 'm-wrong-key' },
      { authorization: basic('nope') },
    );
    expect(wrong.status).toBe(401);
    const none = await post(
      '/v1/track',
      { event: 'x', userId: 'u', messageId: 'm-no-key' },
      { authorization: '' },
    );
    expect(none.status).toBe(401);
    expect(await pls.query('select 1 from events where id in (?, ?)', 'm-wrong-key', 'm-no-key')).toEqual([]);
  });

  it('answers 400 for bad gzip or a body that is not JSON', async () => {
    const badGzip = await post('/v1/batch', Buffer.from('definitely not gzip'), {
      'content-encoding': 'gzip',
    });
    expect(badGzip.status).toBe(400);
    const notJson = await post('/v1/batch', 'batch=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(notJson.status).toBe(400);
  });

  it('answers 413 over 500 KB a batch after gunzip, and over 32 KB a single message', async () => {
    const big = JSON.stringify({
      batch: [{ type: 'track', event: 'x', userId: 'u', properties: { blob: 'x'.repeat(600 * 1024) } }],
    });
    const gz = await post('/v1/batch', gzipSync(big), { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(413);
    const single = await post('/v1/track', {
      event: 'x',
      userId: 'u',
      properties: { blob: 'x'.repeat(40 * 1024) },
    });
    expect(single.status).toBe(413);
  });
});

describe('without PLS_WRITE_KEY', () => {
  it('answers 401 saying the endpoints are off', async () => {
    const bare = await startHarness({ env: { PLS_WRITE_KEY: undefined } });
    try {
      const res = await fetch(`${bare.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basic(WRITE_KEY) },
        body: '{"batch":[]}',
      });
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toMatch(/PLS_WRITE_KEY/);
    } finally {
      await bare.stop();
    }
  });
});
