import { pqlVerdict } from '../domain/pql-verdict.js';
import type { Band } from '../domain/sla-report.js';

/**
 * The rules that turn calibration's figures into advice a manager can act on (issue 19, item 6).
 * Pure. Two promises:
 *
 * 1. **Consistent.** The PQL→won verdict and every threshold that comes with it point the same
 *    way: "too tight" comes only with lower thresholds (and what lowering costs), "too loose"
 *    only with higher ones (and what raising loses). A verdict read off a handful of outcomes
 *    says so instead of claiming.
 * 2. **Honest.** A suggested definition is offered as a change only when it beats today's on the
 *    held-out alerts (AUC) *and* in replay (it catches at least as many conversions, with no more
 *    alerts per conversion caught, and is better on one of them). Otherwise the advice is to keep
 *    today's definition, with both sets of figures side by side.
 */

/** What a replay of a definition over the period did. */
export interface ReplaySummary {
  alerts: number;
  /** Alerts per week over the part of the period the history covers. */
  alertsPerWeek: number;
  conversions: number;
  /** Conversions with an alert open in the window before: the definition's catch. */
  alertedBeforeConversion: number;
  /** Alerts whose account converted while it was open or within the window after it opened. */
  convertingAlerts: number;
  /** convertingAlerts ÷ alerts: how much of the reps' queue was worth their time; null without alerts. */
  precision: number | null;
}

/** How sure the PQL→won band is. */
export interface Verdict {
  band: Band;
  rate: number | null;
  won: number;
  outcomes: number;
  /** 95 % Wilson interval of the rate; null without outcomes. */
  interval: [number, number] | null;
  /**
   * The interval lies wholly on the band's side of the healthy range (10–40 %): a verdict. When it
   * straddles a boundary the band is a lean, and the report says "looks too tight" with the interval.
   */
  firm: boolean;
}

/** Below this the held-out AUCs are read as equal: the report shows two decimals, and 0.78 vs 0.78 is no gain. */
const AUC_MARGIN = 0.01;

/** The band's verdict is firm when the rate's 95 % interval settles it (src/domain/pql-verdict.ts). */
export function verdictOf(tier: { band: Band; rate: number | null; won: number; outcomes: number }): Verdict {
  const { verdict, interval } = pqlVerdict(tier.won, tier.outcomes);
  return {
    band: tier.band,
    rate: tier.rate,
    won: tier.won,
    outcomes: tier.outcomes,
    interval: interval ? [interval[0], interval[1]] : null,
    firm: tier.band !== 'not-enough-outcomes' && verdict === tier.band,
  };
}

/** Which way the thresholds may move for a band: down when too tight, up when too loose, either when healthy. */
function thresholdDirection(band: Band | null): 'lower' | 'raise' | null {
  return band === 'too-tight' ? 'lower' : band === 'too-loose' ? 'raise' : null;
}

/**
 * The warm thresholds (whole points, 1–99) a suggestion may use under `band`, today's warm being
 * `warm`; a play without a band (not new business) may move them either way.
 */
export function warmBounds(band: Band | null, warm: number): { min: number; max: number } {
  const direction = thresholdDirection(band);
  return {
    min: direction === 'raise' ? Math.min(99, Math.max(1, Math.ceil(warm))) : 1,
    max: direction === 'lower' ? Math.max(1, Math.min(99, Math.floor(warm))) : 99,
  };
}

/** Whether suggested tiers point the way `band` says (a too-tight verdict never comes with a tighter suggestion). */
export function tiersAgreeWith(
  band: Band | null,
  tiers: { warm: number; hot: number; was: { warm: number; hot: number } },
): boolean {
  const direction = thresholdDirection(band);
  if (direction === 'lower') return tiers.warm <= tiers.was.warm && tiers.hot <= tiers.was.hot;
  if (direction === 'raise') return tiers.warm >= tiers.was.warm && tiers.hot >= tiers.was.hot;
  return true;
}

export interface Recommendation {
  /** `change`: apply the suggestion (it beat today's on both tests); `keep`: keep today's definition. */
  action: 'change' | 'keep';
  /** Held-out AUC of today's score and of the suggested one, on the same held-out alerts. */
  heldOutAuc: { today: number | null; suggested: number | null };
  /** Conversions each caught in replay (an alert open in the window before), of `conversions`. */
  caught: { today: number; suggested: number | null; conversions: number };
  alertsPerWeek: { today: number; suggested: number | null };
  /** Why today's is kept, one sentence per failed test with both figures; empty for a change. */
  reasons: string[];
}

export interface RecommendationInput {
  /** New business's PQL→won band; null for another play. */
  band: Band | null;
  /** The suggested tiers, or null when nothing was suggested. */
  tiers: { warm: number; hot: number; was: { warm: number; hot: number } } | null;
  heldOutAuc: { today: number | null; suggested: number | null };
  today: ReplaySummary;
  /** The suggestion's replay; null when it was not replayed. */
  suggested: ReplaySummary | null;
  /** Why there is no suggestion (the model's warning), when there is none. */
  noSuggestion?: string;
}

export function recommend(input: RecommendationInput): Recommendation {
  const { today, suggested, heldOutAuc } = input;
  const reasons: string[] = [];
  if (input.tiers === null) {
    reasons.push(input.noSuggestion ?? 'The model suggested nothing to change.');
  } else {
    if (!tiersAgreeWith(input.band, input.tiers)) {
      reasons.push(
        `The suggested thresholds (hot ${input.tiers.hot}, warm ${input.tiers.warm}; today ${input.tiers.was.hot}, ${input.tiers.was.warm}) move against the verdict.`,
      );
    }
    const auc = `held-out AUC ${fixed(heldOutAuc.suggested)} against today's ${fixed(heldOutAuc.today)}`;
    if (heldOutAuc.suggested === null || heldOutAuc.today === null) {
      reasons.push(`No held-out AUC to compare (${auc}).`);
    } else if (heldOutAuc.suggested < heldOutAuc.today + AUC_MARGIN) {
      reasons.push(`It does not rank the held-out alerts better: ${auc}.`);
    }
    if (suggested === null) {
      reasons.push('It was not checked by replay.');
    } else if (!beatsInReplay(suggested, today)) {
      reasons.push(
        `It does not beat today's in replay: it caught ${suggested.alertedBeforeConversion} of ${suggested.conversions} conversions with ${suggested.alerts} alerts, today's ${today.alertedBeforeConversion} with ${today.alerts}.`,
      );
    }
  }
  return {
    action: reasons.length === 0 ? 'change' : 'keep',
    heldOutAuc,
    caught: {
      today: today.alertedBeforeConversion,
      suggested: suggested?.alertedBeforeConversion ?? null,
      conversions: today.conversions,
    },
    alertsPerWeek: { today: today.alertsPerWeek, suggested: suggested?.alertsPerWeek ?? null },
    reasons,
  };
}

/**
 * Catches at least as many conversions, with no more alerts per conversion caught, and is better
 * on one of the two: more caught, or the same caught with fewer alerts. Trading catch for queue
 * (or the reverse) is a choice for the manager, made with the threshold advice, not a change
 * calibration can call better.
 */
export function beatsInReplay(suggested: ReplaySummary, today: ReplaySummary): boolean {
  const s = suggested.alertedBeforeConversion;
  const t = today.alertedBeforeConversion;
  if (s < t) return false;
  // alerts per conversion caught, compared without dividing: s/aS ≥ t/aT ⇔ s·aT ≥ t·aS.
  if (s * today.alerts < t * suggested.alerts) return false;
  return s > t || suggested.alerts < today.alerts;
}

function fixed(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}
