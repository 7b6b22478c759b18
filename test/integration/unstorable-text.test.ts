import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, usageEvent } from '../support/events.js';
import { type Harness, startHarness, WRITE_KEY } from '../support/harness.js';

/**
 * Text no engine keeps alike (src/ingest/unstorable-text.ts): U+0000, which Postgres stores
 * neither in text nor in jsonb, and half of a surrogate pair, which its jsonb refuses. Ingest
 * refuses both on every engine with a 400 naming the field — never a 500, never stored on one
 * engine only.
 */
let pls: Harness;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const stored = async (id: string) => (await pls.query('select id from events where id = ?', id)).length;

describe('the NUL character in an event', () => {
  it('is refused in a property value or a key, naming the field, and nothing is stored', async () => {
    const inValue = usageEvent({ type: 'feature_used', account: ACME, properties: { feature: 'a\u0000b' } });
    const res = await pls.postWebhook(inValue);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid body',
      code: 'request_invalid',
      errors: [
        {
          path: 'properties.feature',
          message: 'contains the NUL character (\\u0000), which pls does not store',
        },
      ],
    });
    const inKey = usageEvent({ type: 'feature_used', account: ACME, properties: { 'fea\u0000ture': 1 } });
    const keyed = await pls.postWebhook({
      events: [usageEvent({ type: 'session_started', account: ACME }), inKey],
    });
    expect(keyed.status).toBe(400);
    expect(((await keyed.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'events.1.properties.fea\\u0000ture',
    );
    expect(await stored(inValue.id as string)).toBe(0);
    expect(await stored(inKey.id as string)).toBe(0);
  });

  it('is refused as half of a surrogate pair in a value or a key, showing it escaped', async () => {
    const inValue = usageEvent({
      type: 'feature_used',
      account: ACME,
      properties: { note: 'half \ud800 pair' },
    });
    const res = await pls.postWebhook(inValue);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid body',
      code: 'request_invalid',
      errors: [
        {
          path: 'properties.note',
          message:
            'contains half of a UTF-16 surrogate pair (\\ud800–\\udfff alone), which is not text: pls does not store it',
        },
      ],
    });
    const inKey = usageEvent({ type: 'feature_used', account: ACME, properties: { '\udc01x': 1 } });
    const keyed = await pls.postWebhook(inKey);
    expect(keyed.status).toBe(400);
    expect(((await keyed.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'properties.\\udc01x',
    );
    // A whole pair is text: stored.
    const whole = usageEvent({ type: 'feature_used', account: ACME, properties: { note: 'a 😀 b' } });
    expect((await pls.postWebhook(whole)).status).toBe(202);
    expect(await stored(inValue.id as string)).toBe(0);
    expect(await stored(inKey.id as string)).toBe(0);
    expect(await stored(whole.id as string)).toBe(1);
  });

  it('rejects that message of a /v1/batch by index and stores the others', async () => {
    const message = (id: string, name: string) => ({
      type: 'track',
      messageId: id,
      userId: 'u_nul',
      event: name,
      context: { groupId: 'acct_nul' },
      timestamp: '2026-11-22T10:00:00Z',
    });
    const res = await fetch(`${pls.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic },
      body: JSON.stringify({
        batch: [message('m_nul_ok', 'session_started'), message('m_nul_bad', 'bad\u0000')],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, errors: [{ path: 'event', message: expect.stringMatching(/NUL character/) }] }],
    });
    expect(await stored('m_nul_ok')).toBe(1);
    expect(await stored('m_nul_bad')).toBe(0);
  });
});
