import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME, warmingAccount } from '../support/events.js';
import {
  alertRow,
  buttonsOn,
  deliver,
  limitHit,
  type RaisedAlert,
  raiseHotAlert,
  settled,
} from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import {
  postPayload,
  pressButton,
  select,
  slashCommand,
  submitView,
  typed,
} from '../support/slack-requests.js';

let pls: Harness;
let alert: RaisedAlert;
beforeEach(async () => {
  pls = await startHarness();
  alert = await raiseHotAlert(pls);
});
afterEach(async () => {
  await pls.stop();
});

const press = (actionId: string, user: string, target: RaisedAlert = alert) =>
  pressButton(pls.url, {
    actionId,
    value: target.alertId,
    user,
    channel: target.channel,
    messageTs: target.ts,
  });

/** The ephemeral messages a user was shown in the alert's channel. */
const toldTo = (user: string) => pls.emulator.ephemerals(alert.channel, user).map((e) => e.text);
const statusLine = () =>
  JSON.stringify(
    pls.emulator
      .message(alert.channel, alert.ts)!
      .blocks.find((b) => (b as { block_id?: string }).block_id === 'alert_status'),
  );

describe('Claim', () => {
  it('claims for a rep and re-renders the message with the claimer, time to claim and the next buttons', async () => {
    expect(buttonsOn(pls, alert)).toEqual(['Claim', 'Not a fit', 'Snooze', 'Details']);
    expect((await press('claim', 'U0BEN')).status).toBe(200);
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'claimed');
    await settled(pls);
    expect((await alertRow(pls, alert.alertId)).claimed_by).toBe('U0BEN');
    expect(buttonsOn(pls, alert)).toEqual(['Mark contacted', 'Release', 'Log outcome', 'Snooze', 'Details']);
    expect(statusLine()).toMatch(/Claimed by <@U0BEN> in under a minute · claim SLA met/);
    expect(
      await pls.query('select kind, actor from alert_events where alert_id = ? order by seq', alert.alertId),
    ).toEqual([
      { kind: 'opened', actor: null },
      { kind: 'claimed', actor: 'U0BEN' },
    ]);
  });

  it('lets exactly one of two simultaneous claims win and tells the other who has it', async () => {
    const [a, b] = await Promise.all([press('claim', 'U0ANA'), press('claim', 'U0BEN')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await pls.emulator.waitFor(() => pls.emulator.ephemerals(alert.channel).length === 1, {
      description: 'the loser told',
    });
    const winner = (await alertRow(pls, alert.alertId)).claimed_by!;
    const loser = winner === 'U0ANA' ? 'U0BEN' : 'U0ANA';
    expect(toldTo(loser)).toEqual([`<@${winner}> already has this alert.`]);
    expect(await pls.query('select count(*) as n from alert_events where kind = ?', 'claimed')).toEqual([
      { n: 1 },
    ]);
  });

  it('acts on the current state when a stale Claim button is pressed', async () => {
    await press('claim', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'claimed');
    await press('claim', 'U0BEN'); // the old message still showed Claim
    await pls.emulator.waitFor(() => toldTo('U0BEN').length === 1);
    expect(toldTo('U0BEN')).toEqual(['<@U0ANA> already has this alert.']);
    expect((await alertRow(pls, alert.alertId)).claimed_by).toBe('U0ANA');
  });

  it('refuses someone who is neither a rep nor a manager', async () => {
    await press('claim', 'U0EXAMPLE');
    await pls.emulator.waitFor(() => toldTo('U0EXAMPLE').length === 1);
    expect(toldTo('U0EXAMPLE')[0]).toMatch(/Only the reps and managers/);
    expect((await alertRow(pls, alert.alertId)).state).toBe('open');
  });

  it('refuses a forged alert id without touching anything', async () => {
    await pressButton(pls.url, {
      actionId: 'claim',
      value: 'al_00000000000000000000000000',
      user: 'U0ANA',
      channel: alert.channel,
      messageTs: alert.ts,
    });
    await pressButton(pls.url, {
      actionId: 'claim',
      value: "'; drop table alerts; --",
      user: 'U0ANA',
      channel: alert.channel,
      messageTs: alert.ts,
    });
    await pls.emulator.waitFor(() => toldTo('U0ANA').length === 2);
    // In either order: the clicks are acked before they are handled, and handled side by side.
    expect(toldTo('U0ANA').sort()).toEqual([
      'That alert does not exist (any more).',
      'That button does not name an alert pls knows.',
    ]);
    expect((await alertRow(pls, alert.alertId)).state).toBe('open');
  });

  it('rejects a request with a bad Slack signature', async () => {
    const res = await postPayload(pls.url, { type: 'block_actions' }, { secret: 'not-the-secret' });
    expect(res.status).toBe(401);
  });
});

describe('after the claim', () => {
  beforeEach(async () => {
    await press('claim', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'claimed');
  });

  it('only the claimer or a manager may mark contacted', async () => {
    await press('mark_contacted', 'U0BEN');
    await pls.emulator.waitFor(() => toldTo('U0BEN').length === 1);
    expect(toldTo('U0BEN')[0]).toBe('<@U0ANA> has this alert: only they or a manager can do that.');
    await press('mark_contacted', 'U0MGR');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'contacted');
    await settled(pls);
    expect(buttonsOn(pls, alert)).toEqual(['Log outcome', 'Release', 'Details']);
  });

  it('release returns the alert to the queue, routed to another rep', async () => {
    await press('release', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'open');
    await settled(pls);
    expect(await alertRow(pls, alert.alertId)).toMatchObject({ claimed_by: null, suggested_rep: 'U0BEN' });
    expect(buttonsOn(pls, alert)).toEqual(['Claim', 'Not a fit', 'Snooze', 'Details']);
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).toContainEqual(
      '<@U0ANA> released this alert. <@U0BEN> is the suggested rep now.',
    );
  });

  it('logs an outcome through the modal and closes the alert', async () => {
    await press('log_outcome', 'U0ANA');
    const modal = await pls.emulator.waitFor(() => pls.emulator.views.modals()[0]);
    expect(modal.view.callback_id).toBe('log_outcome');
    expect(modal.view.private_metadata).toBe(alert.alertId);
    const res = await submitView(pls.url, {
      callbackId: 'log_outcome',
      privateMetadata: alert.alertId,
      user: 'U0ANA',
      values: {
        outcome: { outcome_select: select('won') },
        amount: { amount_input: typed('12000', 'number_input') },
        objections: { objections_input: typed('price') },
        self_serve: { self_serve_input: typed(null) },
        note: { note_input: typed('Annual plan') },
      },
    });
    expect(res.status).toBe(200);
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'closed');
    await settled(pls);
    const row = await alertRow(pls, alert.alertId);
    expect(row.outcome).toBe('won');
    expect(JSON.parse(row.outcome_detail!)).toMatchObject({
      outcome: 'won',
      amount: 12000,
      objections: 'price',
      selfServeBlocker: null,
      note: 'Annual plan',
    });
    expect(buttonsOn(pls, alert)).toEqual(['Details']);
    expect(pls.emulator.message(alert.channel, alert.ts)!.text).toMatch(/closed, won/);
  });

  it('shows modal errors on the form and changes nothing', async () => {
    const res = await submitView(pls.url, {
      callbackId: 'log_outcome',
      privateMetadata: alert.alertId,
      user: 'U0ANA',
      values: {
        outcome: { outcome_select: { type: 'static_select', selected_option: null } },
        amount: { amount_input: typed('-5', 'number_input') },
      },
    });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { outcome: 'choose an outcome', amount: 'a positive amount, like 12000' },
    });
    expect((await alertRow(pls, alert.alertId)).state).toBe('claimed');
  });

  it('refuses an outcome from someone who does not hold the alert, on the form', async () => {
    const res = await submitView(pls.url, {
      callbackId: 'log_outcome',
      privateMetadata: alert.alertId,
      user: 'U0BEN',
      values: { outcome: { outcome_select: select('lost') } },
    });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { outcome: '<@U0ANA> has this alert: only they or a manager can do that.' },
    });
    expect((await alertRow(pls, alert.alertId)).state).toBe('claimed');
  });
});

describe('team-only claims', () => {
  const BIG = { ...ACME, id: 'acct_big', name: 'BigCo', domain: 'bigco.com', employees: 5000 };

  it('keeps a rep of another team from claiming or closing the alert', async () => {
    const big = await raiseHotAlert(pls, BIG);
    expect(big.channel).toBe('C0ENTERPRISE'); // the enterprise team: Ana only
    for (const action of ['claim', 'not_a_fit']) {
      await press(action, 'U0BEN', big);
    }
    await pls.emulator.waitFor(() => pls.emulator.ephemerals(big.channel, 'U0BEN').length === 2);
    expect(pls.emulator.ephemerals(big.channel, 'U0BEN').map((e) => e.text)).toEqual([
      'This alert belongs to the enterprise team: its reps, the rep it was routed to and managers can take it.',
      'This alert belongs to the enterprise team: its reps, the rep it was routed to and managers can take it.',
    ]);
    expect(pls.emulator.views.modals()).toEqual([]);
    expect((await alertRow(pls, big.alertId)).state).toBe('open');
    await press('claim', 'U0ANA', big);
    await pls.emulator.waitFor(async () => (await alertRow(pls, big.alertId)).claimed_by === 'U0ANA');
  });

  it('lets the rep the alert was routed to claim it, whatever their team', async () => {
    // Ben owns the account, but owner routing stays in the alert's team: not him on the
    // enterprise team's alert.
    const owned = await raiseHotAlert(pls, {
      ...BIG,
      id: 'acct_owned',
      domain: 'owned.com',
      owner: 'ben@seller.com',
    });
    expect(owned.suggestedRep).not.toBe('U0BEN');
    // Routed to him before the manifest moved him out of the team: his suggestion stands.
    await pls.write('update alerts set suggested_rep = ? where id = ?', [['U0BEN', owned.alertId]]);
    await press('claim', 'U0BEN', owned);
    await pls.emulator.waitFor(async () => (await alertRow(pls, owned.alertId)).claimed_by === 'U0BEN');
  });
});

describe('Snooze', () => {
  const HOUR = 3_600_000;
  const claimDue = async () =>
    (
      await pls.query<{ claim_due_at: number; snoozed_until: number | null }>(
        'select claim_due_at, snoozed_until from alerts where id = ?',
        alert.alertId,
      )
    )[0]!;

  async function snoozeFor(user: string, duration: '1h' | '4h' | '1d') {
    await press('snooze', user);
    const modal = await pls.emulator.waitFor(() => pls.emulator.views.modals().at(-1));
    expect(modal.view.callback_id).toBe('snooze');
    const res = await submitView(pls.url, {
      callbackId: 'snooze',
      privateMetadata: alert.alertId,
      user,
      values: { duration: { duration_select: select(duration) } },
    });
    expect(res.status).toBe(200);
  }

  it('pauses the clocks and the ladder, then reminds the suggested rep with Claim when it ends', async () => {
    const before = (await claimDue()).claim_due_at;
    await snoozeFor('U0BEN', '1h');
    await pls.emulator.waitFor(async () => (await claimDue()).snoozed_until !== null);
    await settled(pls);
    expect((await claimDue()).claim_due_at).toBe(before + HOUR);
    expect(buttonsOn(pls, alert)).toEqual(['Claim', 'Not a fit', 'Unsnooze', 'Details']);
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).toContainEqual(
      expect.stringMatching(/^💤 <@U0BEN> snoozed this alert until <!date\^/),
    );

    // The reminder (50 % of a 15 min claim SLA) would be due now: the ladder waits.
    pls.advance(20 * 60_000);
    await pls.server.app.internals.sweep();
    await settled(pls);
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).not.toContainEqual(
      expect.stringMatching(/unclaimed after/),
    );

    // The hour is up: the rep is reminded, with Claim; the ladder runs again from where it was.
    pls.advance(41 * 60_000);
    await pls.server.app.internals.sweep();
    await settled(pls);
    expect((await claimDue()).snoozed_until).toBeNull();
    const dm = pls.emulator.dms(alert.suggestedRep!).at(-1)!;
    expect(dm.text).toMatch(/is back from its snooze: please claim it/);
    expect(JSON.stringify(dm.blocks)).toContain('"action_id":"claim"');
    expect(buttonsOn(pls, alert)).toEqual(['Claim', 'Not a fit', 'Snooze', 'Details']);
    pls.advance(8 * 60_000);
    await pls.server.app.internals.sweep();
    await settled(pls);
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).toContainEqual(
      expect.stringMatching(/unclaimed after/),
    );
  });

  it('ends with a claim: the claimer’s first touch keeps the time snoozed so far, nothing stays snoozed', async () => {
    await snoozeFor('U0BEN', '1h');
    await pls.emulator.waitFor(async () => (await claimDue()).snoozed_until !== null);
    pls.advance(10 * 60_000);
    await press('claim', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).claimed_by === 'U0ANA');
    await settled(pls);
    const row = (
      await pls.query<{ snoozed_until: number | null; snoozed_ms: number }>(
        'select snoozed_until, snoozed_ms from alerts where id = ?',
        alert.alertId,
      )
    )[0]!;
    expect(row.snoozed_until).toBeNull();
    expect(row.snoozed_ms).toBeGreaterThanOrEqual(10 * 60_000);
    expect(row.snoozed_ms).toBeLessThan(11 * 60_000);
    expect(buttonsOn(pls, alert)).toEqual(['Mark contacted', 'Release', 'Log outcome', 'Snooze', 'Details']);
  });

  it('is the holder’s (or a manager’s) once claimed, and never after a deadline passed', async () => {
    await press('claim', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).claimed_by === 'U0ANA');
    await press('snooze', 'U0BEN');
    await pls.emulator.waitFor(() => toldTo('U0BEN').length === 1);
    expect(toldTo('U0BEN')[0]).toMatch(/<@U0ANA> has this alert/);
    // Past the first-touch deadline (2 h): a snooze cannot make it met.
    pls.advance(3 * HOUR);
    await press('snooze', 'U0ANA');
    await pls.emulator.waitFor(() => toldTo('U0ANA').length === 1);
    expect(toldTo('U0ANA')).toEqual(['This alert is past its SLA already: a snooze cannot take that back.']);
  });

  it('ends with a release, whose fresh ladder carries nothing of it', async () => {
    await press('claim', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).claimed_by === 'U0ANA');
    await snoozeFor('U0ANA', '1h');
    await pls.emulator.waitFor(async () => (await claimDue()).snoozed_until !== null);
    await press('release', 'U0ANA');
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'open');
    const row = (
      await pls.query<{ snoozed_until: number | null; snoozed_ms: number }>(
        'select snoozed_until, snoozed_ms from alerts where id = ?',
        alert.alertId,
      )
    )[0]!;
    expect(row).toEqual({ snoozed_until: null, snoozed_ms: 0 });
  });

  it('lets a manager end a snooze early, giving the clocks back the time not used; others may not', async () => {
    const before = (await claimDue()).claim_due_at;
    await snoozeFor('U0ANA', '4h');
    await pls.emulator.waitFor(async () => (await claimDue()).snoozed_until !== null);
    pls.advance(HOUR);
    await press('unsnooze', 'U0BEN');
    await pls.emulator.waitFor(() => toldTo('U0BEN').length === 1);
    expect(toldTo('U0BEN')).toEqual(['Only managers can end a snooze early.']);
    await press('unsnooze', 'U0MGR');
    await pls.emulator.waitFor(async () => (await claimDue()).snoozed_until === null);
    // Snoozed for one hour of the four: the deadline moved by that hour only (and the few real
    // milliseconds the test took between the two clicks).
    expect((await claimDue()).claim_due_at - before - HOUR).toBeGreaterThanOrEqual(0);
    expect((await claimDue()).claim_due_at - before - HOUR).toBeLessThan(10_000);
    await settled(pls);
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).toContainEqual(
      '⏰ <@U0MGR> ended the snooze.',
    );
  });
});

describe('Details', () => {
  it('opens the full breakdown, dossier and first message in a modal, for reps and managers only', async () => {
    await press('details', 'U0BEN');
    const modal = await pls.emulator.waitFor(() => pls.emulator.views.modals()[0]);
    expect(modal.view.callback_id).toBe('alert_details');
    const text = JSON.stringify(modal.view.blocks);
    for (const part of [
      'points',
      'Whom to talk to',
      'Kim Lee',
      'Suggested first message',
      'Best time to reach',
    ])
      expect(text).toContain(part);
    // Looking changes nothing.
    expect((await alertRow(pls, alert.alertId)).state).toBe('open');

    await press('details', 'U0EXAMPLE');
    await pls.emulator.waitFor(() => toldTo('U0EXAMPLE').length === 1);
    expect(toldTo('U0EXAMPLE')).toEqual([
      'Only reps and managers in the PQL manifest can open an alert’s details.',
    ]);
    expect(pls.emulator.views.modals()).toHaveLength(1);
  });
});

describe('Not a fit', () => {
  it('asks a reason in a modal and closes the alert with it', async () => {
    await press('not_a_fit', 'U0BEN');
    const modal = await pls.emulator.waitFor(() => pls.emulator.views.modals()[0]);
    expect(JSON.stringify(modal.view)).toContain('Competitor or partner');
    await submitView(pls.url, {
      callbackId: 'not_a_fit',
      privateMetadata: alert.alertId,
      user: 'U0BEN',
      values: {
        reason: { reason_select: select('existing_customer') },
        note: { note_input: typed('They are on the enterprise contract already') },
      },
    });
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'closed');
    await settled(pls);
    expect((await alertRow(pls, alert.alertId)).outcome).toBe('not_a_fit');
    expect(pls.emulator.replies(alert.channel, alert.ts).map((r) => r.text)).toContainEqual(
      '<@U0BEN> marked this not a fit: Existing customer — They are on the enterprise contract already',
    );
  });
});

describe('hostile and unlucky moments', () => {
  it('refuses an oversized note on the form and changes nothing', async () => {
    const res = await submitView(pls.url, {
      callbackId: 'not_a_fit',
      privateMetadata: alert.alertId,
      user: 'U0BEN',
      values: { reason: { reason_select: select('other') }, note: { note_input: typed('x'.repeat(3001)) } },
    });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { note: 'at most 3000 characters' },
    });
    expect((await alertRow(pls, alert.alertId)).state).toBe('open');
  });

  it('still opens a modal while a 429 has paused the outbox', async () => {
    pls.emulator.fail('chat.postMessage', { retryAfter: 30, times: 1 });
    const other = { ...ACME, id: 'acct_paused', name: 'Paused', domain: 'paused.example' };
    await deliver(pls, { events: [...warmingAccount(other), limitHit(other)] });
    await pls.emulator.waitFor(() => pls.emulator.callsTo('chat.postMessage').some((c) => c.status === 429));
    await press('not_a_fit', 'U0BEN');
    const modal = await pls.emulator.waitFor(() => pls.emulator.views.modals()[0], {
      description: 'the modal, during the pause',
    });
    expect(modal.view.callback_id).toBe('not_a_fit');
    // The paused post has not been retried: bulk sends wait, interactive calls do not.
    expect(
      pls.emulator
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === 'C0MIDMARKET' && c.status === 200),
    ).toHaveLength(1);
  });
});

describe('/pls assign and /pls ooo', () => {
  it('lets a manager hand the alert to a named rep, who is told', async () => {
    const reply = await slashCommand(pls.url, 'U0MGR', `assign ${ACME.domain} <@U0BEN|ben>`);
    expect(reply.body).toMatchObject({
      response_type: 'ephemeral',
      text: 'Assigned the hot alert for `acme.com` to <@U0BEN>.',
    });
    await settled(pls);
    expect(await alertRow(pls, alert.alertId)).toMatchObject({ state: 'claimed', claimed_by: 'U0BEN' });
    expect(pls.emulator.dms('U0BEN').map((m) => m.text)).toEqual([
      '<@U0MGR> assigned you the hot alert for Acme in <#C0MIDMARKET>.',
    ]);
  });

  it('refuses assign to a rep and explains the usage', async () => {
    expect((await slashCommand(pls.url, 'U0ANA', 'assign acct_42 <@U0BEN>')).text).toBe(
      '`/pls assign <account> @rep [play]` is for managers.',
    );
    expect((await slashCommand(pls.url, 'U0MGR', 'assign acct_42')).text).toBe(
      'Usage: `/pls assign <account id or domain> @rep [play]`.',
    );
    expect((await slashCommand(pls.url, 'U0MGR', 'assign nope.example <@U0BEN>')).text).toMatch(
      /^No account `nope.example`/,
    );
    expect((await alertRow(pls, alert.alertId)).state).toBe('open');
  });

  it('routes new alerts past a rep who is out of office', async () => {
    expect((await slashCommand(pls.url, 'U0BEN', 'ooo on')).text).toMatch(/^You're out of office/);
    const other = { ...ACME, id: 'acct_other', name: 'Other', domain: 'other.example' };
    const next = await raiseHotAlert(pls, other);
    expect(next.suggestedRep).toBe('U0ANA');
    const third = await raiseHotAlert(pls, { ...other, id: 'acct_third', name: 'Third' });
    expect(third.suggestedRep).toBe('U0ANA');
    expect((await slashCommand(pls.url, 'U0BEN', 'ooo off')).text).toMatch(/^Welcome back/);
    expect((await slashCommand(pls.url, 'U0EXAMPLE', 'ooo on')).text).toMatch(/for the reps and managers/);
  });

  it('answers an unknown subcommand with a pointer to help', async () => {
    expect((await slashCommand(pls.url, 'U0ANA', 'frobnicate')).text).toBe(
      'Unknown command `frobnicate`. Try `/pls help`.',
    );
    expect((await slashCommand(pls.url, 'U0ANA', 'help')).text).toContain('/pls ooo on|off');
  });
});
