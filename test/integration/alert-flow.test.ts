import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME, usageEvent, warmingAccount } from '../support/events.js';
import { deliver as deliverTo, settled as settledOf } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

let pls: Harness;
beforeEach(async () => {
  pls = await startHarness();
});
afterEach(async () => {
  await pls.stop();
});

const limitHit = (
  account: Record<string, unknown> = ACME,
  extra: Partial<Parameters<typeof usageEvent>[0]> = {},
) =>
  usageEvent({
    type: 'usage_limit_hit',
    account,
    properties: { limit: 'API calls', used: 10000, quota: 10000 },
    ...extra,
  });

const deliver = (body: unknown) => deliverTo(pls, body);
const settled = () => settledOf(pls);

const posts = (channel: string) => pls.emulator.messages(channel);
const alertsOf = (accountId: string) =>
  pls.query<{
    id: string;
    state: string;
    tier: string;
    outcome: string | null;
    message_ts: string | null;
    channel: string;
  }>('select id, state, tier, outcome, message_ts, channel from alerts where account_id = ?', accountId);

describe('the alert', () => {
  // How fast (webhook ack → alert in Slack) is measured by the benchmark, not asserted here.
  it('posts one alert that says why now on a usage-limit hit, with nothing else to wake it', async () => {
    await deliver({ events: warmingAccount() });
    await deliver(limitHit());
    const message = await pls.emulator.waitFor(() => posts('C0MIDMARKET')[0], { description: 'the alert' });
    expect(message.text).toMatch(
      /^HOT - Acme - score \d+ \((up|down) from \d+\): hit the API calls limit \(10,000\/10,000\)/,
    );
    const blocks = JSON.stringify(message.blocks);
    for (const part of [
      'Why now:',
      'Whom to talk to',
      'Kim Lee, VP Engineering',
      'claim by',
      '"Claim"',
      '"Not a fit"',
      '"Details"',
    ]) {
      expect(blocks).toContain(part);
    }
    await settled(); // the sender records the message's ts right after Slack answers
    expect(await alertsOf('acct_42')).toEqual([
      expect.objectContaining({ state: 'open', tier: 'hot', channel: 'C0MIDMARKET', message_ts: message.ts }),
    ]);
  });

  it('routes a large account to the team its match names', async () => {
    const big = { ...ACME, id: 'acct_big', name: 'BigCo', employees: 5000 };
    await deliver({ events: [...warmingAccount(big), limitHit(big)] });
    await pls.emulator.waitFor(() => posts('C0ENTERPRISE')[0], { description: 'enterprise alert' });
    expect(posts('C0MIDMARKET')).toEqual([]);
  });

  it('does not double an alert on a redelivered signal', async () => {
    await deliver({ events: warmingAccount() });
    const hit = limitHit();
    await deliver(hit);
    await deliver(hit);
    await settled();
    expect(posts('C0MIDMARKET')).toHaveLength(1);
    expect(await pls.query('select count(*) as n from events where id = ?', hit.id)).toEqual([{ n: 1 }]);
  });

  it('threads a later intent signal under the open alert and updates the parent', async () => {
    await deliver({ events: [...warmingAccount(), limitHit()] });
    const parent = await pls.emulator.waitFor(() => posts('C0MIDMARKET')[0]);
    await deliver(usageEvent({ type: 'pricing_page_viewed', account: ACME }));
    await settled();
    const replies = pls.emulator.replies('C0MIDMARKET', parent.ts);
    expect(replies.map((r) => r.text)).toEqual([
      expect.stringMatching(/^New signal: viewed pricing 1× in 7 days/),
    ]);
    expect(pls.emulator.message('C0MIDMARKET', parent.ts)!.edits).toBeGreaterThanOrEqual(1);
    expect(posts('C0MIDMARKET')).toHaveLength(1);
  });

  it('upgrades a warm alert in place when the account turns hot', async () => {
    const pricing = () => usageEvent({ type: 'pricing_page_viewed', account: ACME });
    await deliver({ events: [...warmingAccount(), pricing(), pricing(), pricing()] });
    const warm = await pls.emulator.waitFor(() => posts('C0MIDMARKET')[0]);
    expect(warm.text).toMatch(/^WARM - Acme/);
    expect(warm.text).toContain('viewed pricing 3× in 7 days');
    await deliver(limitHit());
    await settled();
    expect(posts('C0MIDMARKET')).toHaveLength(1);
    const upgraded = pls.emulator.message('C0MIDMARKET', warm.ts)!;
    expect(upgraded.text).toMatch(/^HOT - Acme/);
    expect(pls.emulator.replies('C0MIDMARKET', warm.ts).map((r) => r.text)).toContainEqual(
      expect.stringMatching(/^⬆️ Upgraded to HOT/),
    );
    expect(await alertsOf('acct_42')).toEqual([expect.objectContaining({ tier: 'hot', state: 'open' })]);
  });

  it('closes the open alert as self-served when the account buys on its own', async () => {
    await deliver({ events: [...warmingAccount(), limitHit()] });
    const parent = await pls.emulator.waitFor(() => posts('C0MIDMARKET')[0]);
    await deliver(usageEvent({ type: 'plan_changed', account: ACME, properties: { plan: 'team' } }));
    await settled();
    expect(await alertsOf('acct_42')).toEqual([
      expect.objectContaining({ state: 'closed', outcome: 'self_served' }),
    ]);
    const closed = pls.emulator.message('C0MIDMARKET', parent.ts)!;
    expect(closed.text).toContain('self-served');
    expect(JSON.stringify(closed.blocks)).not.toContain('"Claim"');
    expect(await pls.query('select plan from accounts where id = ?', 'acct_42')).toEqual([{ plan: 'team' }]);
  });
});

describe('the rules of engagement', () => {
  it('never alerts on a self-serve hero, however engaged', async () => {
    const hero = { id: 'acct_hero', name: 'Solo', domain: 'gmail.com', employees: 5, plan: 'free' };
    await deliver({ events: [...warmingAccount(hero), limitHit(hero)] });
    await settled();
    expect(await alertsOf('acct_hero')).toEqual([]);
    expect(pls.emulator.callsTo('chat.postMessage')).toEqual([]);
  });

  it('never interrupts an account in a self-serve checkout', async () => {
    await deliver({
      events: [...warmingAccount(), usageEvent({ type: 'upgrade_started', account: ACME }), limitHit()],
    });
    await settled();
    expect(await alertsOf('acct_42')).toEqual([]);
  });

  it('never alerts on an excluded plan', async () => {
    const enterprise = { ...ACME, id: 'acct_ent', plan: 'enterprise' };
    await deliver({ events: [...warmingAccount(enterprise), limitHit(enterprise)] });
    await settled();
    expect(await alertsOf('acct_ent')).toEqual([]);
  });

  it('scores a late signal but never pages anyone for it', async () => {
    const late = limitHit(ACME, { timestamp: new Date(Date.now() - 30 * 3_600_000) });
    await deliver({ events: [...warmingAccount(), late] });
    await settled();
    expect(await alertsOf('acct_42')).toEqual([]);
    const [account] = await pls.query<{ score: number }>(
      'select score from accounts where id = ?',
      'acct_42',
    );
    expect(account!.score).toBeGreaterThan(70);
  });

  it('keeps one alert per account per cooldown', async () => {
    await deliver({ events: [...warmingAccount(), limitHit()] });
    await pls.emulator.waitFor(() => posts('C0MIDMARKET')[0]);
    await deliver(usageEvent({ type: 'plan_changed', account: ACME, properties: { plan: 'free' } }));
    // Close it by a self-served purchase of a plan that is not excluded, then hit the limit again.
    await deliver(usageEvent({ type: 'plan_changed', account: ACME, properties: { plan: 'team' } }));
    await deliver(limitHit({ ...ACME, plan: 'team' }));
    await settled();
    expect(posts('C0MIDMARKET')).toHaveLength(1);
    expect(await alertsOf('acct_42')).toHaveLength(1);
  });
});

describe('durable sending', () => {
  it('retries a Slack outage and posts the alert exactly once when Slack recovers', async () => {
    pls.emulator.fail('chat.postMessage', { status: 500, times: 3 });
    await deliver({ events: [...warmingAccount(), limitHit()] });
    await pls.emulator.waitFor(() => posts('C0MIDMARKET')[0], { description: 'alert after the outage' });
    await settled();
    expect(posts('C0MIDMARKET')).toHaveLength(1);
    expect(pls.emulator.callsTo('chat.postMessage').filter((c) => c.status === 500)).toHaveLength(3);
  });

  it('does not retry a permanent error forever, and tells the managers', async () => {
    pls.emulator.fail('chat.postMessage', { error: 'channel_not_found', times: 1 });
    await deliver({ events: [...warmingAccount(), limitHit()] });
    await settled();
    expect(await pls.query('select kind, last_error from outbox where failed_at is not null')).toEqual([
      { kind: 'alert.post', last_error: 'channel_not_found' },
    ]);
    const toChannel = pls.emulator
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === 'C0MIDMARKET');
    expect(toChannel).toHaveLength(1);
    expect(pls.emulator.dms('U0MGR').map((m) => m.text)).toEqual([
      '⚠️ pls could not post an alert in <#C0MIDMARKET>: `channel_not_found`. Fix the channel id in the PQL manifest, or invite the bot to the private channel.',
    ]);
    const metrics = await (await fetch(`${pls.url}/metrics`)).text();
    expect(metrics).toMatch(
      /pls_slack_errors_total\{method="chat.postMessage",error="channel_not_found",permanent="true"\} 1/,
    );
  });

  it('pauses every outbox call for Retry-After on a 429, then delivers everything once', async () => {
    pls.emulator.fail('chat.postMessage', { retryAfter: 1, times: 1 });
    const other = { ...ACME, id: 'acct_b', name: 'Bravo', domain: 'bravo.example' };
    await deliver({ events: [...warmingAccount(), limitHit(), ...warmingAccount(other), limitHit(other)] });
    await settled();
    const posts = pls.emulator.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0MIDMARKET');
    expect(posts.map((c) => c.status)).toEqual([429, 200, 200]);
    // Nothing went out during the pause.
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(pls.emulator.messages('C0MIDMARKET')).toHaveLength(2);
  });
});

describe('late firmographics', () => {
  it('does not let a late, older plan change undo a newer one', async () => {
    const hour = 3_600_000;
    await deliver(
      usageEvent({
        type: 'plan_changed',
        account: ACME,
        timestamp: new Date(Date.now() - hour),
        properties: { plan: 'team' },
      }),
    );
    await deliver(
      usageEvent({
        type: 'plan_changed',
        account: ACME,
        timestamp: new Date(Date.now() - 5 * hour),
        properties: { plan: 'free' },
      }),
    );
    expect(await pls.query('select plan from accounts where id = ?', 'acct_42')).toEqual([{ plan: 'team' }]);
  });
});
