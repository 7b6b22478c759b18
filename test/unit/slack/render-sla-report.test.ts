import { describe, expect, it } from 'vitest';
import type { Hours } from '../../../src/domain/definition.js';
import { pqlVerdict } from '../../../src/domain/pql-verdict.js';
import {
  buildSlaReport,
  type ReportAlert,
  type ReportOptions,
  type SlaReport,
} from '../../../src/domain/sla-report.js';
import {
  conversionWords,
  formatPercent,
  periodWords,
  renderSlaReport,
} from '../../../src/slack/render-sla-report.js';
import { validateBlocks } from '../../../tools/emulator/block-kit-limits.js';
import {
  reportAlert as alert,
  DAY,
  HOUR,
  MINUTE,
  MONDAY_10AM_NY as RAISED,
} from '../../support/domain-builders.js';

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON.
type Block = Record<string, any>;

const NY: Hours = { tz: 'America/New_York', days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60 };
/** Tuesday 2026-12-01 15:00 UTC = 10:00 New York. */
const NOW = Date.parse('2026-12-01T15:00:00Z');

const won = (repId: string, o: Partial<ReportAlert> = {}) =>
  alert({
    state: 'closed',
    outcome: 'won',
    claimedBy: repId,
    claimedAt: RAISED + 10 * MINUTE,
    contactedAt: RAISED + HOUR,
    ...o,
  });
const lost = (repId: string, o: Partial<ReportAlert> = {}) => won(repId, { outcome: 'lost', ...o });

function options(overrides: Partial<ReportOptions> = {}): ReportOptions {
  return {
    now: NOW,
    periodMs: 30 * DAY,
    periodLabel: '30d',
    businessHours: true,
    teamHours: () => NY,
    repHours: () => NY,
    scope: { kind: 'team', teamId: 'mid-market' },
    ...overrides,
  };
}

/** A month of one team: 12 hot (1 won of 12 outcomes: too loose), 3 warm, one still open. */
function monthOfAlerts(): ReportAlert[] {
  return [
    won('U0ANA'),
    ...Array.from({ length: 6 }, () => lost('U0ANA')),
    ...Array.from({ length: 5 }, () => lost('U0BEN', { claimedAt: RAISED + 20 * MINUTE, escalations: 1 })),
    won('U0BEN', { tier: 'warm', triggerSignal: 'pricing_repeat' }),
    alert({ tier: 'warm', state: 'closed', outcome: 'self_served', triggerSignal: null }),
    alert({ tier: 'warm', escalations: 2 }),
  ];
}

const render = (alerts: ReportAlert[], overrides: Partial<ReportOptions> = {}) =>
  renderSlaReport(buildSlaReport(alerts, options(overrides)));
const byId = (blocks: Block[], id: string): Block | undefined => blocks.find((b) => b.block_id === id);
const textOf = (blocks: Block[], id: string): string => byId(blocks, id)?.text.text;

describe('renderSlaReport', () => {
  it('heads the reply with the period and the scope', () => {
    const header = (scope: ReportOptions['scope'], periodLabel = '30d') =>
      byId(render(monthOfAlerts(), { scope, periodLabel }).blocks, 'sla_header')!.text.text;
    expect(header({ kind: 'team', teamId: 'mid-market' })).toBe('SLA · last 30 days · team mid-market');
    expect(header({ kind: 'all' }, '7d')).toBe('SLA · last 7 days · all teams');
    expect(header({ kind: 'rep', repId: 'U0ANA' }, '90d')).toBe('SLA · last 90 days · one rep');
  });

  it('says how times are measured, and whose alerts a rep report covers', () => {
    const measure = (o: Partial<ReportOptions>) =>
      byId(render(monthOfAlerts(), o).blocks, 'sla_measure')!.elements[0].text;
    expect(measure({ businessHours: true })).toBe(
      'Times in business minutes (team hours; first touch in the claimer’s hours) · rates: nearest whole percent (1–99 % unless all or none)',
    );
    expect(measure({ businessHours: false })).toBe(
      'Times are wall-clock · rates: nearest whole percent (1–99 % unless all or none)',
    );
    expect(measure({ scope: { kind: 'rep', repId: 'U0BEN' } })).toMatch(
      /^Alerts claimed by <@U0BEN> · Times/,
    );
  });

  it('shows the headline figures as section fields, every rate with its counts', () => {
    const fields = byId(render(monthOfAlerts()).blocks, 'sla_headline')!.fields.map((f: Block) => f.text);
    expect(fields).toEqual([
      '*Alerts*\n15 · 12 hot · 3 warm',
      // 7 of Ana's in 10 min, Ben's warm win in 10 min; Ben's 5 hot in 20 min; the open one is past due.
      '*Claimed within SLA*\n8 of 14 (57 %)',
      '*Time to claim*\nmedian 10 min · p90 20 min',
      '*First touch within SLA*\n13 of 13 (100 %)',
      '*Time to first touch*\nmedian 1 h · p90 1 h',
      // Alerts escalated to the managers, not ladder steps: Ben's five were only reminded (one
      // step each), the open warm one reached the escalate step (two).
      '*Escalated*\n1 alert (7 ladder steps, reminders included)',
    ]);
  });

  it('judges PQL→won only when the 95 % interval settles it, and says how many more outcomes would', () => {
    const { blocks } = render(monthOfAlerts());
    expect(textOf(blocks, 'sla_funnel')).toBe('*Funnel* raised 15 → claimed 13 → contacted 13 → won 2');
    const hot = pqlVerdict(1, 12);
    expect(hot.verdict).toBe('undecided');
    expect(textOf(blocks, 'sla_conversion')).toBe(
      [
        '*PQL→won* (won ÷ alerts with a rep outcome; healthy is 10 %–40 %, judged only when the 95 % interval settles it)',
        `• Hot: 1 won of 12 outcomes (8 %; 95 % interval 1 %–35 %): too few to judge yet — about ${hot.moreNeeded!.toLocaleString('en-US')} more outcomes at this rate would settle it`,
        `• Warm: 1 won of 1 outcome (100 %; 95 % interval 21 %–100 %): too few to judge yet — about ${pqlVerdict(1, 1).moreNeeded} more outcomes at this rate would settle it`,
        'Self-served: 1 bought on their own (not a rep outcome, not in the rate)',
      ].join('\n'),
    );
  });

  it('words each verdict, and a rate on the band’s edge', () => {
    const words = (won: number, outcomes: number) =>
      conversionWords({
        outcomes,
        won,
        selfServed: 0,
        rate: null,
        band: 'healthy',
        verdict: pqlVerdict(won, outcomes),
      });
    expect(words(2, 100)).toBe(
      '2 won of 100 outcomes (2 %; 95 % interval 1 %–7 %): the PQL threshold is likely too loose',
    );
    expect(words(50, 200)).toBe('50 won of 200 outcomes (25 %; 95 % interval 20 %–31 %): healthy');
    expect(words(60, 100)).toMatch(
      /^60 won of 100 outcomes \(60 %; 95 % interval 50 %–69 %\): the PQL threshold is likely too tight/,
    );
    expect(words(40, 100)).toMatch(/sits on the edge of the healthy band: more than 10,000 more outcomes/);
    expect(words(0, 0)).toBe('no outcomes yet');
  });

  it('rounds every rate by one rule: the nearest whole percent, only all 100 % and only none 0 %', () => {
    expect(formatPercent(8 / 9)).toBe('89 %');
    expect(formatPercent(3 / 7)).toBe('43 %');
    expect(formatPercent(0.285)).toBe('29 %'); // a half rounds up, binary noise or not
    expect(formatPercent(0.29)).toBe('29 %');
    expect(formatPercent(199 / 200)).toBe('99 %');
    expect(formatPercent(1 / 300)).toBe('1 %');
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(periodWords('1d')).toBe('1 day');
    expect(periodWords('2w')).toBe('2w');
  });

  it('puts the per-rep figures in one table block, names reps as mentions, and explains the team’s gap', () => {
    const { blocks } = render(monthOfAlerts());
    expect(blocks.filter((b) => b.type === 'table')).toHaveLength(1);
    const table = byId(blocks, 'sla_reps')!;
    const cell = (c: Block) => (c.type === 'raw_text' ? c.text : `<@${c.elements[0].elements[0].user_id}>`);
    expect(table.rows.map((row: Block[]) => row.map(cell))).toEqual([
      ['Rep', 'Held', 'Claimed in SLA', 'Median to claim', 'First touch in SLA', 'Won', 'Missed'],
      ['<@U0ANA>', '7', '7 of 7 (100 %)', '10 min', '7 of 7 (100 %)', '1', '—'],
      ['<@U0BEN>', '6', '1 of 6 (17 %)', '20 min', '6 of 6 (100 %)', '1', '5 claim'],
    ]);
    const note = byId(blocks, 'sla_reps_note')!.elements[0].text;
    expect(note).toMatch(/^A rep’s claim SLA counts the alerts routed to them that they claimed themselves/);
    expect(note).toContain(
      '1 of the team’s 6 claim breaches belong to no rep: unclaimed alerts nobody was answering for.',
    );
    expect(validateBlocks(blocks, 'message')).toEqual([]);
  });

  it('names trigger signals by their manifest label', () => {
    const labels = {
      signal: (id: string) => (id === 'usage_limit_hit' ? 'Hit a usage limit <b>' : null),
      play: () => null,
    };
    const { blocks } = renderSlaReport(buildSlaReport(monthOfAlerts(), options()), labels);
    expect(textOf(blocks, 'sla_signals')).toBe(
      [
        '*By trigger signal*',
        '• Hit a usage limit &lt;b&gt; · 13 alerts · 1 won of 12 outcomes (8 %)',
        '• `pricing_repeat` · 1 alert · 1 won of 1 outcome (100 %)',
        '• the score crossed into hot · 1 alert · 0 won of 0 outcomes · 1 self-served',
      ].join('\n'),
    );
  });

  it('summarises the headline in the plain-text fallback', () => {
    expect(render(monthOfAlerts()).text).toBe(
      'SLA, last 30 days, team mid-market: 15 alerts, 8 of 14 (57 %) claimed within SLA, ' +
        'median time to claim 10 min (business time). PQL→won hot 1 of 12 (8 %, too few to judge), warm 1 of 1 (100 %, too few to judge).',
    );
    expect(render(monthOfAlerts(), { scope: { kind: 'rep', repId: 'U0ANA' } }).text).toMatch(
      /^SLA, last 30 days, <@U0ANA>: 7 alerts/,
    );
  });

  it('says so when no alert was raised, with no NaN', () => {
    const old = alert({ openedAt: NOW - 31 * DAY });
    const message = render([old]);
    expect(message.blocks.map((b) => b.block_id)).toEqual(['sla_header', 'sla_empty']);
    expect(textOf(message.blocks, 'sla_empty')).toBe('No alerts raised in the last 30 days.');
    expect(message.text).toBe('SLA, last 30 days, team mid-market: No alerts raised in the last 30 days.');
    expect(JSON.stringify(message)).not.toMatch(/NaN|undefined|null/);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
  });

  it('stays within Block Kit limits with 200 reps and 200 long signal ids', () => {
    const alerts = Array.from({ length: 200 }, (_, i) =>
      won(`U${String(i).padStart(10, '0')}`, { triggerSignal: `signal_${i}_${'x'.repeat(120)}` }),
    );
    const report: SlaReport = buildSlaReport(alerts, options({ scope: { kind: 'all' } }));
    expect(report.reps).toHaveLength(200);
    const message = renderSlaReport(report);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    const rows = byId(message.blocks, 'sla_reps')!.rows as Block[][];
    expect(rows).toHaveLength(1 + 20 + 1);
    expect(rows.at(-1)![0]).toEqual({ type: 'raw_text', text: '…and 180 more' });
    const signals = textOf(message.blocks, 'sla_signals');
    expect(signals.length).toBeLessThanOrEqual(3000);
    expect(signals).toMatch(/\n…and \d+ more$/);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });
});

describe('renderSlaReport: plays', () => {
  const PLAYS: Record<string, { label: string; outcome: 'won' | 'retained' }> = {
    new_business: { label: 'New business', outcome: 'won' },
    expansion: { label: 'Expansion', outcome: 'won' },
    churn_risk: { label: 'Churn risk', outcome: 'retained' },
  };
  const labels = { signal: () => null, play: (id: string) => PLAYS[id] ?? null };
  const alerts = [
    ...monthOfAlerts(),
    won('U0ANA', { play: 'churn_risk', triggerSignal: null }),
    lost('U0ANA', { play: 'churn_risk', triggerSignal: null }),
    alert({ play: 'expansion', triggerSignal: 'limit_pressure' }),
  ];

  it('says what each play raised and how it ended, churn risk’s won read as retained', () => {
    const { blocks } = renderSlaReport(buildSlaReport(alerts, options()), labels);
    expect(textOf(blocks, 'sla_plays')).toBe(
      [
        '*By play*',
        '• New business · 15 alerts · claimed within SLA 8 of 14 (57 %) · 2 won of 13 outcomes (15 %)',
        '• Churn risk · 2 alerts · claimed within SLA 2 of 2 (100 %) · 1 retained of 2 outcomes (50 %)',
        '• Expansion · 1 alert · claimed within SLA 0 of 1 (0 %) · 0 won of 0 outcomes',
      ].join('\n'),
    );
    // The PQL→won band judges new business alone: the churn alerts are not in its rates.
    expect(textOf(blocks, 'sla_conversion')).toContain('*PQL→won*');
    expect(textOf(blocks, 'sla_conversion')).toContain('• Hot: 1 won of 12 outcomes');
  });

  it('reports one play without the PQL band, and names it in the header', () => {
    const { blocks, text } = renderSlaReport(buildSlaReport(alerts, options({ play: 'churn_risk' })), labels);
    expect(byId(blocks, 'sla_header')!.text.text).toBe('SLA · last 30 days · team mid-market · Churn risk');
    expect(textOf(blocks, 'sla_conversion')).toBe(
      [
        '*Churn risk: retained* (a won outcome here is a customer kept; the 10 %–40 % PQL band is for new business only)',
        '• Hot: 1 retained of 2 outcomes (50 %)',
        '• Warm: no outcomes yet',
      ].join('\n'),
    );
    expect(byId(blocks, 'sla_plays')).toBeUndefined();
    expect(text).toContain('Churn risk outcomes: hot 1 of 2, warm 0 of 0');
    expect(validateBlocks(blocks, 'message')).toEqual([]);
  });
});
