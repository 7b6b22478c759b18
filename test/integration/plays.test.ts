import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibration/calibration.js';
import {
  calibrationHeadline,
  renderCalibration,
  renderCalibrationText,
} from '../../src/calibration/render-calibration.js';
import { type Database, databaseOf } from '../../src/config/env.js';
import { parseManifestYaml } from '../../src/config/manifest.js';
import { openHistorySource } from '../../src/db/open-history.js';
import type { Manifest } from '../../src/domain/definition.js';
import type { AlertTrigger } from '../../src/domain/handoff.js';
import { replayPages } from '../../src/replay/replay-engine.js';
import { validateBlocks } from '../../tools/emulator/block-kit-limits.js';
import { usageEvent } from '../support/events.js';
import { deliver, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { slashCommand } from '../support/slack-requests.js';

/**
 * The shipped manifest's plays through the real app: new business for prospects, expansion for
 * paying accounts outgrowing their plan — each its own alerts, channel, clocks and cooldown.
 */
const SHIPPED = resolve(import.meta.dirname, '../../manifests/pls.yml');
const manifest: Manifest = parseManifestYaml(readFileSync(SHIPPED, 'utf8'), SHIPPED);
const CHANNELS = [...new Set([...manifest.teams.map((t) => t.channel), manifest.routing.escalation_channel])];
const USERS = [
  ...manifest.routing.reps.map((rep) => ({
    id: rep.id,
    name: rep.email!.split('@')[0]!,
    email: rep.email!,
    tz: 'America/New_York',
  })),
  ...manifest.routing.managers.map((id) => ({
    id,
    name: id.toLowerCase(),
    email: `${id.toLowerCase()}@seller.com`,
    tz: 'America/New_York',
  })),
];
const DAY = 86_400_000;
const AM_CHANNEL = 'C0AMEXPAND';

let pls: Harness;
let offset = 0;
afterEach(async () => {
  await pls?.stop();
  offset = 0;
});

async function start(): Promise<Harness> {
  pls = await startHarness({ manifest: SHIPPED, channels: CHANNELS, users: USERS });
  return pls;
}

/** The app's clock: real time moved forward by what the test advanced. */
const now = () => Date.now() + offset;
function advance(ms: number): void {
  offset += ms;
  pls.advance(ms);
}

const PAYING = {
  id: 'acct_paidco',
  name: 'Paidco',
  domain: 'paidco.com',
  plan: 'team',
  employees: 250,
  industry: 'software',
  country: 'US',
};
const FREE = { ...PAYING, id: 'acct_freeco', name: 'Freeco', domain: 'freeco.com', plan: 'free' };

/** A working day of a four-person team; with `pressure`, a reading at 85 % of the API calls quota. */
function workday(account: Record<string, unknown>, options: { pressure?: boolean } = {}) {
  const domain = String(account.domain);
  const events = ['u_1', 'u_2', 'u_3', 'u_4'].map((id) =>
    usageEvent({
      type: 'session_started',
      timestamp: new Date(now() - 60_000),
      account,
      user: { id, email: `${id}@${domain}`, name: `User ${id}` },
    }),
  );
  events.push(
    usageEvent({
      type: 'feature_used',
      timestamp: new Date(now() - 50_000),
      account,
      user: { id: 'u_1', email: `u_1@${domain}`, name: 'User u_1' },
      properties: { feature: 'dashboards' },
    }),
  );
  if (options.pressure)
    events.push(
      usageEvent({
        type: 'usage_limit_approached',
        timestamp: new Date(now() - 40_000),
        account,
        user: { id: 'u_2', email: `u_2@${domain}`, name: 'Sam Park', title: 'Head of Data' },
        properties: { limit: 'api_calls', used: 8_500, quota: 10_000 },
      }),
    );
  return events;
}

/** Two weeks of use, the limit pressed on `pressureDays` (day numbers from 0). */
async function twoWeeks(account: Record<string, unknown>, pressureDays: readonly number[]): Promise<void> {
  for (let day = 0; day < 14; day++) {
    await deliver(pls, { events: workday(account, { pressure: pressureDays.includes(day) }) });
    advance(DAY);
  }
  await settled(pls);
}

interface AlertOfPlay {
  id: string;
  play: string;
  channel: string;
  team_id: string;
  tier: string;
  message_ts: string | null;
  suggested_rep: string | null;
  trigger: string;
}

const alertsOf = (accountId: string) =>
  pls.query<AlertOfPlay>(
    'select id, play, channel, team_id, tier, message_ts, suggested_rep, trigger from alerts where account_id = ? order by opened_at',
    accountId,
  );

describe('expansion: a paying account pressing on its limit', () => {
  it('raises one expansion alert in the account managers’ channel, named as the play, and no new-business alert', async () => {
    await start();
    await twoWeeks(PAYING, [1, 5, 9, 12]);
    const alerts = await alertsOf(PAYING.id);
    expect(alerts.map((a) => [a.play, a.channel, a.team_id, a.suggested_rep])).toEqual([
      ['expansion', AM_CHANNEL, 'account-management', 'U0AM1'],
    ]);
    const [alert] = alerts;
    expect(JSON.parse(alert!.trigger)).toMatchObject({
      signalId: 'limit_pressure',
      text: 'has been close to the API calls limit on 3 days in two weeks',
    });
    const message = pls.emulator.message(AM_CHANNEL, alert!.message_ts!)!;
    expect(message.text).toMatch(/^(HOT|WARM) - Expansion - Paidco - score \d+/);
    const header = JSON.stringify(message.blocks.find((b) => (b as { type: string }).type === 'header'));
    expect(header).toContain(' · Expansion · Paidco · ');
    // No alert anywhere else: the sales channels never heard of a paying account.
    for (const team of manifest.plays[0]!.routing.teams)
      expect(pls.emulator.messages(team.channel)).toEqual([]);
  });

  it('judges a free account by new business only: its alert goes to sales, expansion says nothing', async () => {
    await start();
    await twoWeeks(FREE, [1, 5, 9, 12]);
    const alerts = await alertsOf(FREE.id);
    expect(alerts.map((a) => [a.play, a.team_id])).toEqual([['new_business', 'mid-market']]);
    expect(pls.emulator.messages(AM_CHANNEL)).toEqual([]);
  });

  it('takes a play in /pls queue and /pls sla, and names each row’s play', async () => {
    await start();
    await twoWeeks(PAYING, [1, 5, 9]);
    await twoWeeks(FREE, [1, 5, 9]);
    const expansion = await slashCommand(pls.url, 'U0MGRSAM', 'queue expansion');
    expect(expansion.text).toMatch(/^Unclaimed expansion alerts · all teams: 1 alerts, top: Paidco/);
    const all = await slashCommand(pls.url, 'U0MGRSAM', 'queue');
    const rows = JSON.stringify(all.body.blocks);
    expect(rows).toContain('*Paidco* · Expansion ·');
    expect(rows).toContain('*Freeco* · New business ·');

    const report = JSON.stringify((await slashCommand(pls.url, 'U0MGRSAM', 'sla')).body);
    expect(report).toContain('*By play*');
    expect(report).toMatch(/• New business · 1 alert · claimed within SLA [^·]+ · 0 won of 0 outcomes/);
    expect(report).toMatch(/• Expansion · 1 alert · claimed within SLA [^·]+ · 0 won of 0 outcomes/);
    const expansionOnly = JSON.stringify((await slashCommand(pls.url, 'U0MGRSAM', 'sla expansion')).body);
    expect(expansionOnly).toContain('SLA · last 30 days · all teams · Expansion');
    expect(expansionOnly).toContain('*Expansion: won*');
    expect(expansionOnly).not.toContain('*By play*');
  });
});

/** A rep logged the account's open alert of `play` as lost (as Log outcome leaves it). */
async function closeAlerts(accountId: string, play: string): Promise<void> {
  await pls.write(
    "update alerts set state = 'closed', outcome = 'lost', closed_at = ?, updated_at = ? where account_id = ? and play = ? and state <> 'closed'",
    [[now(), now(), accountId, play]],
  );
}

/** Waits until the re-score of `day` (a UTC day index) has finished. */
async function reScored(day: number): Promise<void> {
  await pls.emulator.waitFor(
    async () =>
      (
        await pls.query<{ n: number }>(
          'select count(*) as n from daily_ticks where day = ? and finished_at is not null',
          day,
        )
      )[0]!.n === 1,
    { description: `day ${day} re-scored` },
  );
}

/** Days of silence, each with its sweep: the daily re-score runs though nothing is sent. */
async function silentDays(days: number): Promise<void> {
  for (let day = 0; day < days; day++) {
    advance(DAY);
    await pls.server.app.internals.sweep();
    const today = Math.floor(now() / DAY);
    await reScored(today);
  }
  await settled(pls);
}

describe('churn risk: a paying account whose team stopped using the product', () => {
  it('raises one churn-risk alert for customer success on the daily re-score, and an expansion alert does not silence it', async () => {
    await start();
    await twoWeeks(PAYING, [1, 5, 9]); // pressing on its limit: expansion
    expect((await alertsOf(PAYING.id)).map((a) => a.play)).toEqual(['expansion']);
    // The account manager closes it (lost): expansion's 30-day cooldown starts, churn risk's does not.
    await closeAlerts(PAYING.id, 'expansion');
    await silentDays(16);

    const alerts = await alertsOf(PAYING.id);
    expect(alerts.map((a) => [a.play, a.channel, a.team_id, a.suggested_rep])).toEqual([
      ['expansion', AM_CHANNEL, 'account-management', 'U0AM1'],
      ['churn_risk', 'C0CSCHURN', 'customer-success', 'U0CSM1'],
    ]);
    const churn = alerts[1]!;
    const trigger = JSON.parse(churn.trigger) as { kind: string; eventId: string; text: string };
    // Nothing was sent that day: the re-score is the moment, and says why in the account's terms.
    expect(trigger.kind).toBe('tier');
    expect(trigger.eventId).toMatch(/^daily_rescore:\d+$/);
    expect(trigger.text).toMatch(
      /^score crossed into hot \(\d+\): (active users|sessions) down \d+ % over the last two weeks/,
    );
    const message = pls.emulator.message('C0CSCHURN', churn.message_ts!)!;
    expect(message.text).toMatch(/^HOT - Churn risk - Paidco - score \d+/);
    // Closed too, the team still gone and hot every day: the play's cooldown holds.
    await closeAlerts(PAYING.id, 'churn_risk');
    await silentDays(2);
    expect((await alertsOf(PAYING.id)).filter((a) => a.play === 'churn_risk')).toHaveLength(1);

    // A replay of the live manifest raises the same alerts of each play, daily re-scores included.
    const history = await openHistorySource(databaseOf(pls.databaseUrl) as Database);
    try {
      const liveAlerts = await history.liveAlerts();
      const replayed = await replayPages(
        { manifests: [manifest], liveAlerts, until: now() },
        history.events(),
      );
      const story = (a: { accountId: string; play: string; teamId: string; trigger: AlertTrigger }) => [
        a.accountId,
        a.play,
        a.teamId,
        a.trigger.eventId,
        a.trigger.text,
      ];
      expect(replayed.lanes[0]!.alerts.map((a) => story({ ...a, trigger: a.openTrigger }))).toEqual(
        liveAlerts.map((a) => story({ ...a, trigger: a.openingTrigger! })),
      );
      expect(replayed.lanes[0]!.alerts.map((a) => a.live?.match)).toEqual(['exact', 'exact']);

      // Calibration judges each play on its own alerts, signals and metrics; churn risk's alert
      // opened on a daily re-score, and its features are the account's at that re-score.
      const churnReport = await calibrate(history, manifest, {
        play: 'churn_risk',
        now: now(),
        since: 60 * DAY,
      });
      expect(churnReport.play).toEqual({ id: 'churn_risk', label: 'Churn risk', won: 'retained' });
      expect(churnReport.outcomes).toMatchObject({
        alerts: 1,
        withoutFeatures: 0,
        labelled: 1,
        converted: 0,
      });
      expect(churnReport.verdict).toBeNull();
      expect(churnReport.missed).toBeNull();
      const falling = churnReport.features.filter((f) => f.presentShare === 1).map((f) => f.id);
      expect(falling.some((id) => id === 'users_falling' || id === 'sessions_falling')).toBe(true);
      expect(churnReport.features.map((f) => f.id).sort()).toEqual(
        [...manifest.plays[2]!.scoring.signals, ...manifest.plays[2]!.scoring.metrics]
          .map((f) => f.id)
          .sort(),
      );
      expect(churnReport.validation.current).toMatchObject({ alerts: 1, conversions: 0 });
      expect(calibrationHeadline(churnReport)).toBe(
        'Churn risk: alert→retained: not enough outcomes over 60 days yet (0 retained of 1 outcome; calibration needs reps to log outcomes).',
      );
      const text = renderCalibrationText(churnReport, 'pls.yml');
      expect(text).toMatch(/^Churn risk calibration of pls\.yml · last 60 days/);
      expect(text).toContain('Alert→retained by tier (retained ÷ alerts with a rep outcome):');
      expect(text).not.toContain('Missed PQLs');
      const slack = renderCalibration(churnReport);
      expect(validateBlocks(slack.blocks, 'message')).toEqual([]);
      expect(slack.blocks[0]!.text.text).toBe('Churn risk calibration · last 60 days');
      const expansionReport = await calibrate(history, manifest, {
        play: 'expansion',
        now: now(),
        since: 60 * DAY,
      });
      expect(expansionReport.outcomes).toMatchObject({ alerts: 1, withoutFeatures: 0 });
      expect(expansionReport.features.find((f) => f.id === 'limit_pressure')?.presentShare).toBe(1);
      // New business raised nothing for a paying account: its calibration has no alert to judge.
      const newBusiness = await calibrate(history, manifest, { now: now(), since: 60 * DAY });
      expect(newBusiness.outcomes.alerts).toBe(0);
    } finally {
      await history.close();
    }
  });

  it('makes up the days it was down: each day is re-scored when it comes back, and finds the crossing on the day replay finds it', async () => {
    await start();
    await twoWeeks(PAYING, []);
    const before = Math.floor(now() / DAY);
    // Down for sixteen days: no sweep, no event, no re-score. Back, it first hears the events a
    // producer buffered meanwhile (stored before anything is scored), then sweeps.
    advance(16 * DAY);
    await deliver(pls, {
      events: [usageEvent({ type: 'feature_used', account: FREE, properties: { feature: 'x' } })],
    });
    await pls.server.app.internals.sweep();
    const today = Math.floor(now() / DAY);
    await reScored(today);
    await settled(pls);
    const days = await pls.query<{ day: number }>(
      'select day from daily_ticks where day > ? order by day',
      before,
    );
    expect(days.map((d) => d.day)).toEqual(Array.from({ length: 16 }, (_, i) => before + 1 + i));

    const [churn, ...others] = await alertsOf(PAYING.id);
    expect(others).toEqual([]);
    const opened = (JSON.parse(churn!.trigger) as AlertTrigger).eventId;
    const day = Number(opened.split(':')[1]);
    expect(day).toBeGreaterThan(before);
    expect(day).toBeLessThan(today);
    const history = await openHistorySource(databaseOf(pls.databaseUrl) as Database);
    try {
      const replayed = await replayPages(
        { manifests: [manifest], liveAlerts: await history.liveAlerts(), until: now() },
        history.events(),
      );
      expect(replayed.lanes[0]!.alerts.map((a) => [a.play, a.openTrigger.eventId])).toEqual([
        ['churn_risk', opened],
      ]);
    } finally {
      await history.close();
    }
  });

  it('never re-scores a day whose events it already applied: a play that moves with time, added to a running install, starts the next day', async () => {
    await start();
    await twoWeeks(FREE, []);
    // As if the last re-score were ten days old (no play moved with time since): the events of
    // yesterday and before are applied, so the re-score starts today.
    const today = Math.floor(now() / DAY);
    await pls.write('delete from daily_ticks', [[]]);
    await pls.write('insert into daily_ticks (day, cursor, finished_at) values (?, ?, ?)', [
      [today - 70, '', now()],
      [today - 10, '', now()],
    ]);
    await pls.server.app.internals.sweep();
    advance(DAY);
    await pls.server.app.internals.sweep();
    await reScored(today + 1);
    const days = await pls.query<{ day: number }>('select day from daily_ticks order by day');
    // Days more than 60 before the newest are forgotten.
    expect(days.map((d) => d.day)).toEqual([today - 10, today, today + 1]);
  });

  it('asks /pls assign for the play when an account has alerts open in two, and shows every play in /pls account', async () => {
    await start();
    await twoWeeks(PAYING, [1, 5, 9]);
    await silentDays(16);
    expect((await alertsOf(PAYING.id)).map((a) => a.play)).toEqual(['expansion', 'churn_risk']);
    const ambiguous = await slashCommand(pls.url, 'U0MGRSAM', `assign ${PAYING.domain} <@U0CSM1>`);
    expect(ambiguous.text).toBe(
      'Paidco has an open alert in each of expansion, churn_risk: name the play, e.g. `/pls assign paidco.com @rep expansion`.',
    );
    const assigned = await slashCommand(pls.url, 'U0MGRSAM', `assign ${PAYING.domain} <@U0CSM1> churn_risk`);
    expect(assigned.text).toBe('Assigned the hot alert for `paidco.com` to <@U0CSM1>.');
    expect(
      (
        await pls.query<{ claimed_by: string | null }>(
          "select claimed_by from alerts where play = 'churn_risk'",
        )
      )[0],
    ).toEqual({ claimed_by: 'U0CSM1' });

    const account = JSON.stringify(
      (await slashCommand(pls.url, 'U0MGRSAM', `account ${PAYING.domain}`)).body,
    );
    expect(account).toContain('Paidco · Expansion · score');
    expect(account).toMatch(
      /\*Plays\* New business: not judged · Expansion: \d+ \w+, alert open · Churn risk: \d+ hot, alert open/,
    );
    const churn = JSON.stringify(
      (await slashCommand(pls.url, 'U0MGRSAM', `account ${PAYING.domain} churn_risk`)).body,
    );
    expect(churn).toContain('Paidco · Churn risk · score');
    expect(churn).toMatch(/(active users|sessions) down \d+ % over the last two weeks/);
  });
});
