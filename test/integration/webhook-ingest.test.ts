import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, usageEvent } from '../support/events.js';
import { type Harness, postSigned, startHarness, WEBHOOK_SECRET } from '../support/harness.js';
import { errorOf } from '../support/http.js';

let pls: Harness;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

const countEvents = async (id: string) =>
  (await pls.query<{ n: number }>('select count(*) as n from events where id = ?', id))[0]!.n;

describe('POST /webhooks/usage', () => {
  it('stores a signed event and answers 202 only once it is on disk', async () => {
    const event = usageEvent({
      type: 'usage_limit_hit',
      account: ACME,
      properties: { limit: 'API calls', used: 10000, quota: 10000 },
    });
    const res = await pls.postWebhook(event);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
    // Read through a separate connection to the file: the row is committed.
    const [row] = await pls.query<{ type: string; account_id: string; properties: string }>(
      'select type, account_id, properties from events where id = ?',
      event.id,
    );
    expect({ ...row, properties: JSON.parse(row!.properties) }).toEqual({
      type: 'usage_limit_hit',
      account_id: 'acct_42',
      properties: event.properties,
    });
  });

  it('accepts a batch and counts a redelivery (same id) as a duplicate, never a second event', async () => {
    const a = usageEvent({ type: 'session_started', account: ACME });
    const b = usageEvent({ type: 'feature_used', account: ACME, properties: { feature: 'api' } });
    const first = await pls.postWebhook({ events: [a, b] }, { id: 'msg_batch_1' });
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0 });
    const again = await pls.postWebhook({ events: [a, b] }, { id: 'msg_batch_1' });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(await countEvents(String(a.id))).toBe(1);
  });

  it('counts a repeated id inside one batch as a duplicate', async () => {
    const a = usageEvent({ type: 'session_started', account: ACME });
    const res = await pls.postWebhook({ events: [a, a] });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 1 });
  });

  it('counts each id once across requests stored together', async () => {
    // 40 requests at once: ingest stores those that arrive together in one commit (a group);
    // requests 2k and 2k+1 carry the same event, as a redelivery racing its original does.
    const events = Array.from({ length: 20 }, () => usageEvent({ type: 'feature_used', account: ACME }));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pls.postWebhook(events[Math.floor(i / 2)]!)),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(40).fill(202));
    const bodies = (await Promise.all(answers.map((res) => res.json()))) as { accepted: number }[];
    for (let k = 0; k < 20; k++) {
      expect([bodies[2 * k]!.accepted, bodies[2 * k + 1]!.accepted].sort()).toEqual([0, 1]);
      expect(await countEvents(events[k]!.id as string)).toBe(1);
    }
  });

  it('upserts firmographics and the person from the event', async () => {
    const event = usageEvent({
      type: 'signed_up',
      account: {
        id: 'acct_firmo',
        name: 'Globex',
        domain: 'https://www.Globex.com/',
        employees: 1200,
        country: 'de',
        owner: 'ana@seller.com',
      },
      user: { id: 'u_globex', email: 'hank@globex.com', name: 'Hank Scorpio', title: 'CEO' },
    });
    expect((await pls.postWebhook(event)).status).toBe(202);
    await pls.emulator.waitFor(
      async () => (await pls.query('select 1 from accounts where id = ?', 'acct_firmo')).length > 0,
      { description: 'account row' },
    );
    const [account] = await pls.query(
      'select name, domain, employees, country, owner from accounts where id = ?',
      'acct_firmo',
    );
    expect(account).toEqual({
      name: 'Globex',
      domain: 'globex.com',
      employees: 1200,
      country: 'DE',
      owner: 'ana@seller.com',
    });
    const [user] = await pls.query('select email, name, title from users where id = ?', 'u_globex');
    expect(user).toEqual({ email: 'hank@globex.com', name: 'Hank Scorpio', title: 'CEO' });
  });

  it('refuses a tampered body with 401 and stores nothing', async () => {
    const event = usageEvent({ type: 'session_started', account: ACME });
    const res = await pls.postWebhook(event, {
      tamper: (raw) => raw.replace('session_started', 'usage_limit_hit'),
    });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatch(/signature/);
    expect(await countEvents(String(event.id))).toBe(0);
  });

  it('refuses a signature made with another secret', async () => {
    const other = `whsec_${Buffer.from('another-secret-another-secret').toString('base64')}`;
    const res = await pls.postWebhook(usageEvent({ type: 'session_started' }), { secret: other });
    expect(res.status).toBe(401);
  });

  it('refuses a timestamp outside ±5 minutes, stale or from the future', async () => {
    const stale = await pls.postWebhook(usageEvent({ type: 'session_started' }), {
      timestamp: new Date(Date.now() - 6 * 60_000),
    });
    expect(stale.status).toBe(401);
    expect(await errorOf(stale)).toMatch(/too old/);
    const future = await pls.postWebhook(usageEvent({ type: 'session_started' }), {
      timestamp: new Date(Date.now() + 6 * 60_000),
    });
    expect(future.status).toBe(401);
  });

  it('refuses a request without signature headers', async () => {
    const res = await fetch(`${pls.url}/webhooks/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(usageEvent({ type: 'session_started' })),
    });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatch(/webhook-id/);
  });

  it('answers 415 for a body that is not JSON by content type, before checking the signature', async () => {
    const res = await pls.postWebhook(usageEvent({ type: 'session_started' }), {
      contentType: 'text/plain',
      secret: `whsec_${Buffer.from('wrong-wrong-wrong').toString('base64')}`,
    });
    expect(res.status).toBe(415);
  });

  it('answers 413 for a body over 1 MiB, before anything else', async () => {
    const huge = usageEvent({ type: 'session_started', properties: { blob: 'x'.repeat(1024 * 1024) } });
    const res = await pls.postWebhook(huge, { contentType: 'text/plain' });
    expect(res.status).toBe(413);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await pls.postWebhook('{"id": "evt_1", ');
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(/not valid JSON/);
  });

  it('lists every invalid field of every event, and stores none of a mixed batch', async () => {
    const good = usageEvent({ type: 'session_started', account: ACME });
    const noAccount = {
      id: 'evt_bad_1',
      type: 'session_started',
      timestamp: new Date().toISOString(),
      account: {},
    };
    const badTime = {
      ...usageEvent({ type: 'x', account: ACME }),
      timestamp: 'yesterday',
      user: { id: 'u', email: 'not-an-email' },
    };
    const res = await pls.postWebhook({ events: [good, noAccount, badTime] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'events.1.account.id', message: 'Required' },
        expect.objectContaining({ path: 'events.2.timestamp' }),
        expect.objectContaining({ path: 'events.2.user.email' }),
      ]),
    );
    expect(await countEvents(String(good.id))).toBe(0);
  });

  it('names the missing fields of a single event', async () => {
    const res = await pls.postWebhook({ type: 'session_started' });
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as { errors: { path: string }[] };
    expect(errors.map((e) => e.path).sort()).toEqual(['account', 'id', 'timestamp']);
  });

  it('refuses a batch of more than 500 events', async () => {
    const events = Array.from({ length: 501 }, () => usageEvent({ type: 'session_started', account: ACME }));
    const res = await pls.postWebhook({ events });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown[] }).errors[0]).toEqual({
      path: 'events',
      message: 'at most 500 events',
    });
  });

  it('accepts a batch of exactly 500 events', async () => {
    const events = Array.from({ length: 500 }, () =>
      usageEvent({ type: 'session_started', account: { id: 'acct_bulk' } }),
    );
    const res = await pls.postWebhook({ events });
    expect(await res.json()).toEqual({ accepted: 500, duplicates: 0 });
  });

  it('says 405 for the wrong method and keeps serving', async () => {
    const res = await fetch(`${pls.url}/webhooks/usage`);
    expect(res.status).toBe(405);
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });
});

describe('POST /webhooks/usage without PLS_WEBHOOK_SECRET', () => {
  it('answers 401 saying the secret is not configured', async () => {
    const bare = await startHarness({ env: { PLS_WEBHOOK_SECRET: undefined } });
    try {
      const res = await postSigned(bare.url, usageEvent({ type: 'session_started' }), {
        secret: WEBHOOK_SECRET,
      });
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toMatch(/PLS_WEBHOOK_SECRET/);
    } finally {
      await bare.stop();
    }
  });
});
