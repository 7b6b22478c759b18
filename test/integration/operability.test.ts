import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { raiseHotAlert } from '../support/flows.js';
import { eventually, type Harness, startHarness, TEST_MANIFEST } from '../support/harness.js';

let pls: Harness | null = null;
afterEach(async () => {
  await pls?.stop();
  pls = null;
});

describe('health, readiness and metrics', () => {
  it('is alive and ready once the database is open and Slack auth passed', async () => {
    pls = await startHarness();
    const p = pls;
    expect(await (await fetch(`${p.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await eventually(async () => {
      const res = await fetch(`${p.url}/readyz`);
      return res.status === 200 ? res : undefined;
    }, 'readyz 200');
    expect(await ready.json()).toEqual({
      ready: true,
      checks: { database: true, migrations: true, storage: true, slackAuth: true, scoring: true },
      slackProblems: [],
      storageProblems: [],
    });
  });

  it('counts events, alerts and ingest latency', async () => {
    pls = await startHarness();
    await raiseHotAlert(pls);
    await pls.postWebhook({ nope: true });
    const text = await (await fetch(`${pls.url}/metrics`)).text();
    expect(text).toMatch(/pls_events_total\{source="webhook",result="accepted"\} 25/);
    expect(text).toMatch(/pls_events_total\{source="webhook",result="rejected"\} 1/);
    expect(text).toMatch(/pls_alerts_opened_total\{tier="hot"\} 1/);
    expect(text).toMatch(/pls_ingest_duration_seconds_count\{route="\/webhooks\/usage",status="202"\} 1/);
    expect(text).toMatch(/pls_ingest_duration_seconds_count\{route="\/webhooks\/usage",status="400"\} 1/);
    expect(text).toMatch(/pls_outbox_depth 0/);
  });
});

describe('the start-up check of Slack', () => {
  it('reports a channel the bot is not in, and one that does not exist, to the managers', async () => {
    pls = await startHarness({ channels: ['C0MIDMARKET', 'C0ESCALATE'], notInChannel: ['C0ENTERPRISE'] });
    const p = pls;
    const dm = await p.emulator.waitFor(() => p.emulator.dms('U0MGR')[0]);
    expect(dm.text).toContain('⚠️ pls started with configuration problems');
    expect(dm.text).toContain('the bot is not in <#C0ENTERPRISE> (team enterprise)');
    const res = await fetch(`${p.url}/readyz`);
    expect(res.status).toBe(200); // the token works: alerts to the other teams still flow
    expect(((await res.json()) as { slackProblems: string[] }).slackProblems).toEqual([
      'the bot is not in <#C0ENTERPRISE> (team enterprise): invite it with /invite @pls',
    ]);
    // Counted under Slack's word for each problem, not a piece of the sentence.
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    expect(metrics).toMatch(
      /pls_slack_errors_total\{method="startup_check",error="not_in_channel",permanent="true"\} 1/,
    );
  });

  it('is not ready when the token is refused, and keeps accepting events', async () => {
    pls = await startHarness({ env: { SLACK_BOT_TOKEN: 'xoxb-revoked' } });
    const p = pls;
    const res = await eventually(async () => {
      const r = await fetch(`${p.url}/readyz`);
      const body = (await r.json()) as { slackProblems: string[] };
      return body.slackProblems[0]?.startsWith('auth.test') ? { status: r.status, body } : undefined;
    }, 'the failed auth check');
    expect(res).toEqual({
      status: 503,
      body: expect.objectContaining({ ready: false, slackProblems: ['auth.test failed: invalid_auth'] }),
    });
    const stored = await p.postWebhook({
      id: 'evt_during_outage',
      type: 'session_started',
      timestamp: new Date().toISOString(),
      account: { id: 'acct_x' },
    });
    expect(stored.status).toBe(202);
  });
});

describe('stray requests', () => {
  it('answers anything Bolt does not route with a 4xx and keeps serving', async () => {
    pls = await startHarness();
    expect((await fetch(`${pls.url}/slack/events`)).status).toBe(404);
    expect((await fetch(`${pls.url}/slack/nope`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(`${pls.url}/slack/events`, { method: 'POST', body: 'garbage' })).status).toBe(401);
    expect((await fetch(`${pls.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${pls.url}/healthz`)).status).toBe(200);
  });
});

describe('retention', () => {
  it('deletes a backlog of expired events larger than one batch, batch by batch, without waiting for later sweeps', async () => {
    // Sweeps an hour apart: only the continuation of the first sweep can delete the rest.
    const dir = mkdtempSync(join(tmpdir(), 'pls-retention-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const manifest = join(dir, 'pls.yml');
    const testManifest = readFileSync(TEST_MANIFEST, 'utf8');
    expect(testManifest).toContain('sweep_every: 1s'); // else the sweeps would not be an hour apart
    writeFileSync(manifest, testManifest.replace('sweep_every: 1s', 'sweep_every: 1h'));
    pls = await startHarness({ manifest });
    await pls.write(
      "insert into events (id, source, type, account_id, occurred_at, received_at, properties, processed_at) values (?, 'webhook', 'feature_used', 'acct_old', 0, 0, '{}', 0)",
      Array.from({ length: 12_345 }, (_, i) => [`evt_old_${i}`]),
    );
    await pls.server.app.internals.sweep(); // one sweep; the batches after its first run on their own
    const p = pls;
    await eventually(
      async () => (await p.query<{ n: number }>('select count(*) as n from events'))[0]!.n === 0,
      'every expired event deleted',
    );
  });
});
