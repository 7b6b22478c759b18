import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRng } from '../../src/domain/rng.js';
import type { RecordedCall } from '../../tools/emulator/emulator-types.js';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../tools/emulator/hubspot-emulator.js';
import { createAccounts } from '../load/accounts.js';
import { nativeBatches } from '../load/feed.js';
import { Connection, encodeRequest, targetOf } from '../load/http-client.js';
import { createRecorder } from '../load/latency.js';
import { createSigner } from '../load/sign.js';
import { createEventIds, usageEvent, warmUpEvents } from '../load/traffic.js';
import type { BenchContext } from '../support/context.js';
import { BENCH_BOT_TOKEN, startPls } from '../support/pls.js';
import { auto, type Figure, fmt } from '../support/report.js';
import { only } from '../support/seed.js';

const HOUR = 3_600_000;

/**
 * Webhook ack → alert in Slack: hot accounts get a short history (older than `stale_after`,
 * so it scores but pages no one), then each hits its usage limit, one account every 50 ms. Latency runs from the moment the 202 arrived to the moment the emulator
 * received the alert's chat.postMessage (both clocks in this process).
 */
export async function alertLatency(ctx: BenchContext): Promise<Figure[]> {
  const plain = await ackToPost(ctx, null);
  // The same again with HubSpot on: an emulated portal that has every company, so each alert's
  // account is looked up, its company written and its score kept current beside the Slack post.
  const hubspot = createHubSpotEmulator({
    owners: [{ id: '600', email: 'alex@seller.com', firstName: 'Alex', lastName: 'Rep', userId: 1 }],
    portal: (domain) => ({ name: domain, domain, ownerId: '600' }),
    limitPer10s: 1_000_000,
  });
  await hubspot.start();
  try {
    const [withHubSpot] = await ackToPost(ctx, hubspot);
    const writes = hubspot.requests.filter((r) => r.method === 'PATCH').length;
    return [
      ...plain,
      {
        ...withHubSpot!,
        id: 'alert.ack-to-post-hubspot',
        what: `${withHubSpot!.what}, with HubSpot on (${fmt(hubspot.requests.length)} HubSpot calls, ${fmt(writes)} company writes)`,
        baseline: {
          what: 'the same with HubSpot off',
          value: plain[0]!.value,
          unit: plain[0]!.unit,
          detail: plain[0]!.detail,
        },
        ratio: withHubSpot!.value / plain[0]!.value,
        target: { text: 'p99 < 50 ms, as without HubSpot', met: withHubSpot!.target!.met },
      },
    ];
  } finally {
    await hubspot.stop();
  }
}

async function ackToPost(ctx: BenchContext, hubspot: HubSpotEmulator | null): Promise<Figure[]> {
  const count = ctx.sizes.latencyAccounts;
  const dir = ctx.dir(hubspot ? 'latency-hubspot' : 'latency');
  const databaseUrl = ctx.postgres
    ? await ctx.postgres.database(hubspot ? 'latency_hubspot' : 'latency')
    : `file:${join(dir, 'pls.db')}`;
  const pls = await startPls({
    databaseUrl,
    slackApiUrl: ctx.emulator.url,
    webhookSecret: ctx.webhookSecret,
    cpu: ctx.serverCpu,
    nodeArgs: ctx.plsNodeArgs,
    env: hubspot ? { HUBSPOT_TOKEN: hubspot.token, HUBSPOT_API_URL: hubspot.url } : {},
  });
  const reader = openReader(ctx, databaseUrl);
  const posted = new Map<number, number>();
  const stopListening = ctx.emulator.on((call: RecordedCall) => {
    if (call.method !== 'chat.postMessage' || call.args.thread_ts !== undefined) return;
    const match = /Latency (\d+) Corp/.exec(String(call.args.text ?? ''));
    if (match && !posted.has(Number(match[1]))) posted.set(Number(match[1]), performance.now());
  });
  try {
    const target = targetOf(pls.url);
    const sign = createSigner(ctx.webhookSecret);
    const accounts = createAccounts(count, {
      seed: 'pls-bench-latency',
      idPrefix: 'lat_',
      shares: only('hot'),
      // Prospects, so every hit is new business's moment: a paying account is the other plays' (expansion,
      // churn risk), and a limit hit alone is no moment of theirs.
    }).map((account, i) => ({
      ...account,
      plan: 'free' as const,
      name: `Latency ${String(i).padStart(4, '0')} Corp`,
    }));

    // A short history that ended 30 h ago: scored, never paged (older than stale_after on arrival).
    const connection = new Connection(target, 60_000);
    let warmed = 0;
    const historyIds = createEventIds('evt_hist_');
    const historyRng = createRng('pls-bench-latency-history');
    const endAt = Date.now() - 30 * HOUR;
    const days = [accounts.flatMap((account) => warmUpEvents(account, endAt, historyIds, historyRng))];
    for (const events of nativeBatches(days, 500)) {
      const body = JSON.stringify({ events });
      const response = await connection.send(
        encodeRequest(target, 'POST', '/webhooks/usage', sign(body), body),
      );
      if (response.status !== 202)
        throw new Error(`history batch answered ${response.status}: ${response.body}`);
      warmed += events.length;
    }
    const pending = async () =>
      Number(
        (await reader.all<{ n: number }>('select count(*) as n from events where processed_at is null'))[0]!
          .n,
      );
    const deadline = Date.now() + 120_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const tiers = await reader.all<{ tier: string; n: number }>(
      'select tier, count(*) as n from accounts group by tier',
    );
    ctx.log(
      `ack → alert${ctx.postgres ? ' (Postgres)' : ''}: ${fmt(warmed)} history events scored (${tiers.map((t) => `${t.n} ${t.tier}`).join(', ')}); now one limit hit every 50 ms`,
    );
    await new Promise((r) => setTimeout(r, 500));

    // One usage_limit_hit per account, on a clock, each on its own request.
    const acked = new Map<number, number>();
    const rng = createRng('pls-bench-latency-hits');
    const ids = createEventIds('evt_hit_');
    const pool: Connection[] = Array.from({ length: 8 }, () => new Connection(target));
    const inFlight: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; i < accounts.length; i++) {
      const dueAt = started + i * 50;
      const wait = dueAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const account = accounts[i]!;
      const at = Date.now();
      const event = usageEvent('usage_limit_hit', account, account.users[0]!, at, ids.next(at), rng);
      const body = JSON.stringify(event);
      const request = encodeRequest(target, 'POST', '/webhooks/usage', sign(body), body);
      const connection = pool[i % pool.length]!;
      inFlight.push(
        connection.send(request).then((response) => {
          if (response.status === 202) acked.set(i, performance.now());
        }),
      );
    }
    await Promise.all(inFlight);
    const settle = Date.now() + 10_000;
    while (posted.size < acked.size && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
    for (const c of [...pool, connection]) c.close();

    // The floor: one chat.postMessage of an alert-sized message from this process to the emulator.
    const floor = createRecorder();
    const direct = new Connection(targetOf(ctx.emulator.url));
    const sample = ctx.emulator.calls.find((c) => c.method === 'chat.postMessage' && c.args.blocks);
    const post = JSON.stringify({ channel: 'C0MIDMARKET', text: 'floor', blocks: sample?.args.blocks ?? [] });
    const path = `${new URL(ctx.emulator.url).pathname}chat.postMessage`;
    for (let k = 0; k < 50; k++) {
      const request = encodeRequest(
        targetOf(ctx.emulator.url),
        'POST',
        path,
        { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${BENCH_BOT_TOKEN}` },
        post,
      );
      const t0 = performance.now();
      await direct.send(request);
      floor.record(performance.now() - t0);
    }
    direct.close();

    const latency = createRecorder();
    for (const [i, ackAt] of acked) {
      const postAt = posted.get(i);
      if (postAt !== undefined) latency.record(Math.max(0, postAt - ackAt));
    }
    const summary = latency.summary();
    const missing = acked.size - latency.count;
    ctx.log(
      `  ${latency.count} alerts: p50 ${auto(summary.p50)} ms, p99 ${auto(summary.p99)} ms${missing > 0 ? `; ${missing} limit hits raised no alert` : ''}`,
    );
    return [
      {
        id: 'alert.ack-to-post',
        what: `webhook 202 → alert posted to the Slack emulator (${latency.count} alerts, one every 50 ms)`,
        value: summary.p99,
        unit: 'ms p99',
        detail: `p50 ${auto(summary.p50)} ms · max ${auto(summary.max)} ms${missing > 0 ? ` · ${missing} hits without an alert` : ''}`,
        baseline: {
          what: 'one chat.postMessage to the emulator',
          value: floor.percentile(99),
          unit: 'ms p99',
          detail: `p50 ${auto(floor.percentile(50))} ms`,
        },
        ratio: summary.p99 / floor.percentile(99),
        target: { text: 'p99 < 50 ms', met: latency.count > 0 && summary.p99 < 50 },
        data: { latency: summary, acked: acked.size, alerts: latency.count, historyEvents: warmed, tiers },
      },
    ];
  } finally {
    stopListening();
    reader.close();
    await pls.stop();
  }
}

/** Reads the database pls runs on, with a connection of its own: the SQLite file, or Postgres. */
function openReader(ctx: BenchContext, databaseUrl: string) {
  const { postgres } = ctx;
  if (postgres)
    return { all: <T>(sql: string) => postgres.query<T>(databaseUrl, sql), close: () => undefined };
  const db = new Database(databaseUrl.slice('file:'.length), { readonly: true, fileMustExist: true });
  return { all: async <T>(sql: string) => db.prepare(sql).all() as T[], close: () => db.close() };
}
