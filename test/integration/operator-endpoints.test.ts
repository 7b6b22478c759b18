import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCrashableApps } from '../support/child-process.js';
import { eventually, type Harness, startHarness, TEST_MANIFEST } from '../support/harness.js';

/** Issue 18: `/metrics` behind a bearer token when PLS_METRICS_TOKEN is set; HOST picks the address. */
const TOKEN = 'metrics-token-for-tests-0123';

describe('GET /metrics with PLS_METRICS_TOKEN set', () => {
  let pls: Harness;
  beforeAll(async () => {
    pls = await startHarness({ env: { PLS_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await pls.stop();
  });

  const metrics = (authorization?: string) =>
    fetch(`${pls.url}/metrics`, { headers: authorization ? { authorization } : {} });

  it('answers 401 without the token, with another one, or with it as another scheme', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`,
      TOKEN,
    ]) {
      const res = await metrics(authorization);
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="pls metrics"');
      expect(await res.json()).toEqual({
        error: 'GET /metrics needs Authorization: Bearer <PLS_METRICS_TOKEN>',
        code: 'request_unauthenticated',
      });
    }
  });

  it('serves the metrics with the token, and counts the refusals', async () => {
    const res = await metrics(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('pls_events_total');
    expect(text).toMatch(/pls_requests_refused_total\{route="\/metrics",reason="unauthorised"\} [1-9]/);
  });

  it('leaves /healthz and /readyz open', async () => {
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`${pls.url}/readyz`)).status === 200, '/readyz 200');
  });
});

describe('HOST', () => {
  const apps = useCrashableApps('pls-host-');

  it('is the only address pls listens on', async () => {
    const app = await apps.start(TEST_MANIFEST, { HOST: '127.0.0.2' });
    const port = new URL(app.url).port;
    expect(app.output()).toContain(`pls is listening on 127.0.0.2, port ${port}`);
    expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect((await fetch(`http://127.0.0.2:${port}/metrics`)).status).toBe(200);
  });
});
