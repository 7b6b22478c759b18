import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useCrashableApps } from '../support/child-process.js';
import { ACME, usageEvent, warmingAccount } from '../support/events.js';
import { alertRow, deliver, limitHit, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, postSigned, startHarness } from '../support/harness.js';
import { pressButton, select, submitView } from '../support/slack-requests.js';

const FAST = resolve(import.meta.dirname, '../support/manifests/fast-sla.yml');

let pls: Harness | null = null;
afterEach(async () => {
  await pls?.stop();
  pls = null;
});

const steps = async (p: Harness, alertId: string) =>
  (
    await p.query<{ data: string }>(
      "select data from alert_events where alert_id = ? and kind = 'escalation' order by seq",
      alertId,
    )
  ).map((r) => (JSON.parse(r.data) as { step: string }).step);

describe('the escalation ladder, on the real scheduler', () => {
  it('reminds, escalates once to the managers and reassigns an unclaimed hot alert on schedule', async () => {
    pls = await startHarness({ manifest: FAST });
    const p = pls;
    const alert = await raiseHotAlert(p);
    const first = alert.suggestedRep!;
    const [{ opened }] = (await p.query<{ opened: number }>(
      'select tier_set_at as opened from alerts where id = ?',
      alert.alertId,
    )) as [{ opened: number }];

    const remind = await p.emulator.waitFor(
      () => p.emulator.replies(alert.channel, alert.ts).find((r) => r.text.startsWith('⏰')),
      { timeoutMs: 6000 },
    );
    expect(remind.text).toContain(`<@${first}>`);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1500); // 50 % of 4 s, give or take a sweep
    await p.emulator.waitFor(() => p.emulator.dms(first).some((m) => m.text.startsWith('⏰')));

    const escalation = await p.emulator.waitFor(() => p.emulator.messages('C0ESCALATE')[0], {
      timeoutMs: 6000,
    });
    expect(escalation.text).toMatch(/^🚨 <@U0MGR> the HOT alert for Acme in <#C0MIDMARKET> is unclaimed/);

    await p.emulator.waitFor(async () => (await alertRow(p, alert.alertId)).suggested_rep !== first, {
      timeoutMs: 8000,
      description: 'the reassignment',
    });
    const second = (await alertRow(p, alert.alertId)).suggested_rep!;
    await settled(p);
    expect(p.emulator.dms(second).map((m) => m.text)).toContainEqual(
      expect.stringMatching(/^↪️ The hot alert for Acme .* was reassigned to you/),
    );
    expect(p.emulator.dms(first).map((m) => m.text)).toContainEqual(
      expect.stringMatching(/was reassigned to <@/),
    );
    expect(await steps(p, alert.alertId)).toEqual(['remind', 'escalate', 'reassign']);
    expect(p.emulator.messages('C0ESCALATE')).toHaveLength(1);
    // The next rep has a clock of their own; the lapse stays on the record, with the first rep.
    const status = JSON.stringify(p.emulator.message(alert.channel, alert.ts)!.blocks);
    expect(status).not.toContain('claim SLA breached');
    expect(status).toContain(`SLA record: claim missed with <@${first}>`);
    const [row] = await p.query<{ due: number; tierSetAt: number; cursor: number }>(
      'select claim_due_at as due, tier_set_at as tierSetAt, escalation_cursor as cursor from alerts where id = ?',
      alert.alertId,
    );
    expect(row!.due).toBeGreaterThan(row!.tierSetAt);
    expect(row!.tierSetAt).toBeGreaterThan(opened);
  });
});

describe('the escalation ladder, on an injected clock', () => {
  it('stops when someone claims', async () => {
    pls = await startHarness();
    const p = pls;
    const alert = await raiseHotAlert(p);
    p.advance(8 * 60_000); // past 50 % of the 15-minute claim SLA
    await p.server.app.internals.sweep();
    expect(await steps(p, alert.alertId)).toEqual(['remind']);
    await pressButton(p.url, {
      actionId: 'claim',
      value: alert.alertId,
      user: 'U0ANA',
      channel: alert.channel,
      messageTs: alert.ts,
    });
    await p.emulator.waitFor(async () => (await alertRow(p, alert.alertId)).state === 'claimed');
    p.advance(60 * 60_000);
    await p.server.app.internals.sweep();
    expect(await steps(p, alert.alertId)).toEqual(['remind']);
  });

  it('posts the escalation with Claim and Assign; a manager assigns from it, a rep may not', async () => {
    pls = await startHarness();
    const p = pls;
    const alert = await raiseHotAlert(p);
    p.advance(16 * 60_000); // past 100 % of the 15-minute claim SLA: remind, then escalate
    await p.server.app.internals.sweep();
    await p.server.app.internals.sweep();
    await settled(p);
    const post = p.emulator.messages('C0ESCALATE')[0]!;
    const buttons = JSON.stringify(post.blocks);
    expect(buttons).toContain('"action_id":"claim"');
    expect(buttons).toContain('"action_id":"assign"');
    // It links to the alert message itself.
    expect(buttons).toContain(`/archives/${alert.channel}/p${alert.ts.replace('.', '')}`);
    expect(buttons).toContain('|Open the alert>');

    const pressAssign = (user: string) =>
      pressButton(p.url, {
        actionId: 'assign',
        value: alert.alertId,
        user,
        channel: 'C0ESCALATE',
        messageTs: post.ts,
      });
    await pressAssign('U0BEN');
    await p.emulator.waitFor(() => p.emulator.ephemerals('C0ESCALATE', 'U0BEN').length === 1);
    expect(p.emulator.ephemerals('C0ESCALATE', 'U0BEN')[0]!.text).toBe('Only managers can assign alerts.');

    await pressAssign('U0MGR');
    const modal = await p.emulator.waitFor(() => p.emulator.views.modals()[0]);
    expect(modal.view.callback_id).toBe('assign');
    await submitView(p.url, {
      callbackId: 'assign',
      privateMetadata: alert.alertId,
      user: 'U0MGR',
      values: { rep: { rep_select: select('U0ANA') } },
    });
    await p.emulator.waitFor(async () => (await alertRow(p, alert.alertId)).claimed_by === 'U0ANA');
    await settled(p);
    expect(p.emulator.dms('U0ANA').map((m) => m.text)).toContainEqual(
      '<@U0MGR> assigned you the hot alert for Acme in <#C0MIDMARKET>.',
    );
  });

  it('holds the ladder while the account is in a self-serve checkout, then resumes it', async () => {
    pls = await startHarness();
    const p = pls;
    const alert = await raiseHotAlert(p);
    await deliver(p, usageEvent({ type: 'upgrade_started', account: ACME }));
    p.advance(20 * 60_000); // past 100 % of the claim SLA, inside the 24 h converting window
    await p.server.app.internals.sweep();
    expect(await steps(p, alert.alertId)).toEqual([]);
    p.advance(25 * 3_600_000);
    await p.server.app.internals.sweep();
    expect(await steps(p, alert.alertId)).toEqual(['remind', 'escalate', 'reassign']);
  });

  it('fires the steps that fell due during a long gap once each, in order, and a second sweep changes nothing', async () => {
    pls = await startHarness();
    const p = pls;
    const alert = await raiseHotAlert(p);
    p.advance(40 * 60_000); // past 200 %
    await p.server.app.internals.sweep();
    await p.server.app.internals.sweep();
    expect(await steps(p, alert.alertId)).toEqual(['remind', 'escalate', 'reassign']);
    await settled(p);
    expect(p.emulator.messages('C0ESCALATE')).toHaveLength(1);
  });

  it('tells the managers once when a claimed alert misses its first touch', async () => {
    pls = await startHarness();
    const p = pls;
    const alert = await raiseHotAlert(p);
    await pressButton(p.url, {
      actionId: 'claim',
      value: alert.alertId,
      user: 'U0BEN',
      channel: alert.channel,
      messageTs: alert.ts,
    });
    await p.emulator.waitFor(async () => (await alertRow(p, alert.alertId)).state === 'claimed');
    p.advance(3 * 3_600_000);
    await p.server.app.internals.sweep();
    await p.server.app.internals.sweep();
    await settled(p);
    expect(p.emulator.messages('C0ESCALATE').map((m) => m.text)).toEqual([
      expect.stringMatching(
        /^🚨 <@U0MGR> <@U0BEN> claimed the hot alert for Acme .* has not marked it contacted/,
      ),
    ]);
    expect(JSON.stringify(p.emulator.message(alert.channel, alert.ts)!.blocks)).toContain(
      'first-touch SLA breached',
    );
  });

  it('backs off a contacted alert with no outcome: prompts the claimer, then closes it as no response', async () => {
    pls = await startHarness();
    const p = pls;
    const alert = await raiseHotAlert(p);
    // Each click once the last one took: Slack acks a click before pls acts on it.
    for (const [action, state] of [
      ['claim', 'claimed'],
      ['mark_contacted', 'contacted'],
    ]) {
      await pressButton(p.url, {
        actionId: action!,
        value: alert.alertId,
        user: 'U0ANA',
        channel: alert.channel,
        messageTs: alert.ts,
      });
      await p.emulator.waitFor(async () => (await alertRow(p, alert.alertId)).state === state);
    }
    p.advance(6 * 86_400_000); // 6 of 7 days
    await p.server.app.internals.sweep();
    await settled(p);
    expect(p.emulator.dms('U0ANA').map((m) => m.text)).toEqual([
      expect.stringMatching(/^No outcome yet for Acme/),
    ]);
    expect((await alertRow(p, alert.alertId)).state).toBe('contacted');
    p.advance(86_400_000);
    await p.server.app.internals.sweep();
    await settled(p);
    expect(await alertRow(p, alert.alertId)).toMatchObject({ state: 'closed', outcome: 'no_response' });
    expect(p.emulator.message(alert.channel, alert.ts)!.text).toMatch(/no response: back to self-serve/);
  });
});

describe('a crash mid-ladder', () => {
  const apps = useCrashableApps('pls-ladder-');
  const { emulator } = apps;

  it('neither repeats nor skips a step after kill -9 and a restart', async () => {
    const query = <T>(sql: string) => apps.query<T>(sql);
    const ladder = async () =>
      (
        await query<{ data: string }>("select data from alert_events where kind = 'escalation' order by seq")
      ).map((r) => JSON.parse(r.data).step);

    const first = await apps.start(FAST);
    await postSigned(first.url, { events: [...warmingAccount(), limitHit(ACME)] });
    await emulator.waitFor(async () => (await ladder()).length === 1, {
      timeoutMs: 8000,
      description: 'the reminder',
    });
    await first.kill9();
    expect(await ladder()).toEqual(['remind']); // the rest must happen in the second process

    await apps.start(FAST);
    await emulator.waitFor(async () => (await ladder()).length === 3, {
      timeoutMs: 12_000,
      description: 'escalate and reassign after the restart',
    });
    await emulator.waitFor(
      async () =>
        (
          await query<{ n: number }>(
            'select count(*) as n from outbox where sent_at is null and failed_at is null',
          )
        )[0]!.n === 0,
      { description: JSON.stringify(await query('select * from outbox where sent_at is null')) },
    );
    expect(await ladder()).toEqual(['remind', 'escalate', 'reassign']);
    expect(emulator.messages('C0ESCALATE')).toHaveLength(1);
    const reminders = emulator
      .messages('C0MIDMARKET')
      .flatMap((m) => m.replies)
      .filter((r) => r.text.startsWith('⏰'));
    expect(reminders).toHaveLength(1);
  });
});

describe('business hours', () => {
  it('runs the claim clock in the team’s hours and re-bases first touch on the claimer’s', async () => {
    pls = await startHarness({
      manifest: resolve(import.meta.dirname, '../support/manifests/business-hours.yml'),
    });
    const p = pls;
    const saturdayNoon = Date.parse('2026-11-28T17:00:00Z'); // 12:00 in New York, a Saturday
    p.advance(saturdayNoon - Date.now());
    const at = (ms: number) => new Date(saturdayNoon - ms);
    await deliver(p, {
      events: [
        ...warmingAccount(ACME, saturdayNoon),
        usageEvent({
          type: 'usage_limit_hit',
          account: ACME,
          timestamp: at(0),
          properties: { limit: 'API calls', used: 10, quota: 10 },
        }),
      ],
    });
    await settled(p);
    const [row] = await p.query<{
      id: string;
      claim_due_at: number;
      first_touch_due_at: number;
      message_ts: string;
      channel: string;
    }>('select id, claim_due_at, first_touch_due_at, message_ts, channel from alerts');
    // The team opens Monday 09:00 New York; 15 working minutes later.
    expect(new Date(row!.claim_due_at).toISOString()).toBe('2026-11-30T14:15:00.000Z');
    expect(new Date(row!.first_touch_due_at).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(JSON.stringify(p.emulator.message(row!.channel, row!.message_ts)!.blocks)).toContain(
      `claim by <!date^${Date.parse('2026-11-30T14:15:00Z') / 1000}^{date_short_pretty} {time}|Nov 30 14:15 UTC>`,
    );

    // Ana claims on Monday 08:00 New York (13:00 London, inside her hours): her 2 working hours
    // of first touch count from the alert in her own hours, London 09:00–17:00.
    p.advance(Date.parse('2026-11-30T13:00:00Z') - saturdayNoon);
    await pressButton(p.url, {
      actionId: 'claim',
      value: row!.id,
      user: 'U0ANA',
      channel: row!.channel,
      messageTs: row!.message_ts,
    });
    await p.emulator.waitFor(async () => (await alertRow(p, row!.id)).state === 'claimed');
    const [claimed] = await p.query<{ first_touch_due_at: number }>('select first_touch_due_at from alerts');
    expect(new Date(claimed!.first_touch_due_at).toISOString()).toBe('2026-11-30T11:00:00.000Z');
  });
});
