import { describe, expect, it } from 'vitest';
import type { Hours } from '../../../src/config/manifest.js';
import {
  buildSlaReport,
  type Conversion,
  type ReportAlert,
  type ReportOptions,
  type SlaReport,
} from '../../../src/domain/sla-report.js';
import { validateBlocks } from '../../../src/emulator/block-kit-limits.js';
import {
  conversionWords,
  formatPercent,
  periodWords,
  renderSlaReport,
} from '../../../src/slack/render-sla-report.js';
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
      'Times in business minutes (team hours; first touch in the claimer’s hours)',
    );
    expect(measure({ businessHours: false })).toBe('Times are wall-clock');
    expect(measure({ scope: { kind: 'rep', repId: 'U0BEN' } })).toMatch(
      /^Alerts claimed by <@U0BEN> · Times/,
    );
  });

  it('shows the headline figures as section fields', () => {
    const fields = byId(render(monthOfAlerts()).blocks, 'sla_headline')!.fields.map((f: Block) => f.text);
    expect(fields).toEqual([
      '*Alerts*\n15 · 12 hot · 3 warm',
      // 7 of Ana's in 10 min, Ben's warm win in 10 min; Ben's 5 hot in 20 min; the open one is past due.
      '*Claimed within SLA*\n8 of 14 (57.1 %)',
      '*Time to claim*\nmedian 10 min · p90 20 min',
      '*Time to first touch*\nmedian 1 h · p90 1 h',
      '*Breaches*\nclaim 6 · first touch 0',
      '*Escalations*\n7',
    ]);
  });

  it('shows the funnel and the PQL→won rate per tier with its band in words', () => {
    const { blocks } = render(monthOfAlerts());
    expect(textOf(blocks, 'sla_funnel')).toBe('*Funnel* raised 15 → claimed 13 → contacted 13 → won 2');
    expect(textOf(blocks, 'sla_conversion')).toBe(
      [
        '*PQL→won* (won ÷ alerts with a rep outcome)',
        '• Hot: 8.3 % over 30 days: the PQL threshold is likely too loose (1 won of 12 outcomes)',
        '• Warm: not enough outcomes yet (1 won of 1 outcome)',
        'Self-served: 1 bought on their own (not a rep outcome, not in the rate)',
      ].join('\n'),
    );
  });

  it('words every band, rounding towards the band’s side of its edge', () => {
    const c = (won: number, outcomes: number, rate: number | null, band: Conversion['band']): Conversion => ({
      outcomes,
      won,
      selfServed: 0,
      rate,
      band,
    });
    expect(conversionWords(c(8, 100, 0.08, 'too-loose'), '30 days')).toBe(
      '8 % over 30 days: the PQL threshold is likely too loose (8 won of 100 outcomes)',
    );
    expect(conversionWords(c(996, 10_000, 0.0996, 'too-loose'), '30 days')).toMatch(/^9\.9 % over/);
    expect(conversionWords(c(1, 10, 0.1, 'healthy'), '7 days')).toBe(
      '10 % over 7 days: healthy (10–40 %) (1 won of 10 outcomes)',
    );
    expect(conversionWords(c(4004, 10_000, 0.4004, 'too-tight'), '90 days')).toMatch(
      /^40\.1 % over 90 days: the PQL threshold is likely too tight/,
    );
    expect(conversionWords(c(0, 4, null, 'not-enough-outcomes'), '30 days')).toBe(
      'not enough outcomes yet (0 won of 4 outcomes)',
    );
  });

  it('formats percentages in tenths, never rounding up to a whole', () => {
    expect(formatPercent(0.29)).toBe('29 %'); // 289.99… tenths in binary
    expect(formatPercent(0.875)).toBe('87.5 %');
    expect(formatPercent(2 / 3)).toBe('66.6 %');
    expect(formatPercent(0.99999)).toBe('99.9 %');
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(periodWords('1d')).toBe('1 day');
    expect(periodWords('2w')).toBe('2w');
  });

  it('has a per-rep table with mentions and a per-signal table', () => {
    const { blocks } = render(monthOfAlerts());
    expect(textOf(blocks, 'sla_reps')).toBe(
      [
        '*By rep*',
        '<@U0ANA> · 7 claimed · 100 % in SLA · median 10 min to claim · 7 contacted · 1 won',
        '<@U0BEN> · 6 claimed · 16.6 % in SLA · median 20 min to claim · 6 contacted · 1 won',
      ].join('\n'),
    );
    expect(textOf(blocks, 'sla_signals')).toBe(
      [
        '*By trigger signal*',
        '• `usage_limit_hit` · 13 alerts · 12 outcomes · 1 won (8.3 %)',
        '• `pricing_repeat` · 1 alert · 1 outcome · 1 won',
        '• score crossed into hot · 1 alert · 0 outcomes · 0 won · 1 self-served',
      ].join('\n'),
    );
  });

  it('summarises the headline in the plain-text fallback', () => {
    expect(render(monthOfAlerts()).text).toBe(
      'SLA, last 30 days, team mid-market: 15 alerts, 57.1 % claimed within SLA, ' +
        'median time to claim 10 min (business time). PQL→won hot 8.3 % (too loose), warm not enough outcomes.',
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
    const reps = textOf(message.blocks, 'sla_reps');
    expect(reps.split('\n')).toHaveLength(1 + 20 + 1);
    expect(reps).toMatch(/\n…and 180 more$/);
    const signals = textOf(message.blocks, 'sla_signals');
    expect(signals.length).toBeLessThanOrEqual(3000);
    expect(signals).toMatch(/\n…and \d+ more$/);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });
});
