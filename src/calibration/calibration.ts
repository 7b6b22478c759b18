import type { EventPages, HistorySource, LiveAlert, StoredEvent } from '../db/history.js';
import {
  type Manifest,
  type Metric,
  type Play,
  type Scoring,
  type Signal,
  withPlayScoring,
} from '../domain/definition.js';
import { compareText } from '../domain/order.js';
import { NEW_BUSINESS, outcomeWord, playOf } from '../domain/play.js';
import { hash } from '../domain/rng.js';
import { type Band, conversion, MIN_OUTCOMES, REP_OUTCOMES } from '../domain/sla-report.js';
import { DAY } from '../domain/windows.js';
import {
  boughtWithin,
  type Conversion,
  conversionsOf,
  coverage,
  groupByAccount,
} from '../replay/conversions.js';
import { type FeatureDef, type FeatureSnapshot, featureDefs } from '../replay/features.js';
import {
  type ReplayLaneResult,
  type ReplayResult,
  type ReplaySettings,
  replayHistory,
  replayPages,
  snapshotKey,
} from '../replay/replay-engine.js';
import { type ReplayProgress, SILENT_PROGRESS } from '../report/progress.js';
import {
  type Recommendation,
  type ReplaySummary,
  recommend,
  type Verdict,
  verdictOf,
  warmBounds,
} from './calibration-advice.js';
import { auc, chooseLambda, fitLogistic } from './logistic.js';
import { suggestedManifestYaml } from './suggested-manifest.js';

export type { Recommendation, ReplaySummary, Verdict } from './calibration-advice.js';

/**
 * `npm run calibrate` and `/pls calibrate`: the live alerts joined with what happened next, per
 * signal and metric of the manifest, per tier, and a regularised logistic regression that
 * suggests points and a threshold. Pure given its inputs (the event log, the live alerts, `now`).
 *
 * **Features at alert time come from a replay.** The alerts table keeps the trigger, not the
 * account's whole picture, so calibration replays the event log with the manifest being
 * calibrated (src/replay/replay-engine.ts) and snapshots each account right after the event
 * its live alert opened on. The examples are the *live* alerts — the ones reps worked, with
 * their real outcomes — described in the current manifest's terms, even if an older manifest
 * raised them. An alert whose opening event is gone (older than `retention`) has no features and
 * is left out of the per-signal figures and the model (counted in `outcomes.withoutFeatures`).
 *
 * **Labels.** Converted: won, self-served while the alert was open, or a self-serve purchase
 * within `window` after the alert (a lost deal that bought on its own a week later was still a
 * ready account). Not converted: lost, no response, not a fit (its reasons are counted), with
 * no purchase within `window`. Alerts still open, with no purchase, are pending and left out.
 * The per-tier PQL→won rate is the SLA report's: won ÷ alerts with a rep outcome, same band.
 *
 * **Advice** (src/calibration/calibration-advice.ts). The threshold advice and the model's suggested
 * thresholds move the way the band says — down when too tight, up when too loose — and the
 * threshold advice is priced by replaying today's manifest with only the threshold moved. The
 * suggestion is recommended only when it beats today's definition on the held-out alerts and
 * in replay; otherwise `recommendation.action` is `keep`, with both sets of figures.
 *
 * **Per play.** Calibration judges one play at a time (`play`, new business by default): its
 * live alerts, its signals and metrics, its replayed alerts. New business's conversions are
 * purchases and wins, judged against the healthy PQL→won band. Another play's conversion is its
 * rep outcome `won` (for churn risk: retained); the band, the threshold advice it drives and the
 * missed PQLs (self-serve buyers) are new business's only, so they are null for it, and its
 * model may move thresholds either way.
 */

/** Below this many labelled alerts the report says plainly not to trust the weights. */
export const TRUSTED_OUTCOMES = 300;
/** Below this the model is not fitted at all. */
const MIN_MODEL_EXAMPLES = 40;
const MIN_MODEL_CLASS = 8;
/** The healthy band's floor: a raised threshold is suggested where PQL→won reaches it (healthy: 15–30 %). */
export const HEALTHY_TARGET = 0.15;
const TEST_SHARE = 0.3;
const FOLDS = 5;
const LAMBDA_GRID = [0.01, 0.1, 1, 10, 100];
const SPLIT_SEED = 'pls-calibrate-v1';

export interface TierConversion {
  alerts: number;
  /** Alerts with a rep outcome (won, lost, no_response, not_a_fit). */
  outcomes: number;
  won: number;
  selfServed: number;
  /** won ÷ outcomes; null below `MIN_OUTCOMES`. */
  rate: number | null;
  /** Against the healthy PQL→won range: new business only (null for another play). */
  band: Band | null;
}

export interface FeatureRow {
  id: string;
  kind: 'signal' | 'metric';
  layer: FeatureDef['layer'];
  /** Today's points per event (signals) or top step (metrics). */
  points: number;
  /** Labelled alerts where it was present at alert time, and how many of them converted. */
  present: number;
  presentShare: number;
  convertedWith: number;
  absent: number;
  convertedWithout: number;
  rateWith: number | null;
  rateWithout: number | null;
  /**
   * Conversion with it ÷ conversion without it, each smoothed by half an example (so a signal
   * present in every win is a large finite number, not infinity). ≈ 1: it tells nothing; null
   * when it was always or never present.
   */
  lift: number | null;
  /** The model's coefficient on the standardized feature; null without a model. */
  coefficient: number | null;
  /** Suggested points per event / top step; null without a suggestion. */
  suggestedPoints: number | null;
}

/**
 * What moving only the thresholds would have done: today's manifest replayed with `tiers`, next
 * to today's own replay. The cost of the advice (more alerts a week and lower precision when
 * lowering, conversions no longer caught when raising), measured rather than guessed.
 */
interface ThresholdReplay {
  tiers: { warm: number; hot: number };
  today: ReplaySummary;
  advised: ReplaySummary;
}

export type ThresholdAdvice =
  | {
      direction: 'raise';
      current: number;
      threshold: number;
      alertsKept: number;
      alertsTotal: number;
      winsKept: number;
      winsTotal: number;
      /** PQL→won among the alerts kept. */
      rate: number;
      /** Null when calibration ran without its validation replay. */
      replay: ThresholdReplay | null;
    }
  | {
      direction: 'lower';
      current: number;
      threshold: number;
      missedCaught: number;
      missedTotal: number;
      /** Null when calibration ran without its validation replay. */
      replay: ThresholdReplay | null;
    };

export interface ModelReport {
  lambda: number;
  converged: boolean;
  train: { examples: number; converted: number };
  test: { examples: number; converted: number };
  /** AUC of the suggested score (train, held-out) and of today's score on the held-out alerts. */
  auc: { train: number | null; test: number | null; currentTest: number | null };
  /** The suggested threshold (in suggested points) and its held-out precision and recall. */
  threshold: number;
  precision: number | null;
  recall: number | null;
}

export interface SuggestedSignal {
  id: string;
  points: number;
  cap: number | null;
  was: { points: number; cap: number | null };
}

export interface SuggestedMetric {
  id: string;
  steps: [number, number][];
  was: [number, number][];
}

export interface Suggestion {
  signals: SuggestedSignal[];
  metrics: SuggestedMetric[];
  tiers: { warm: number; hot: number; was: { warm: number; hot: number } };
  /** A YAML snippet of the changed keys, to merge into the manifest by id. */
  yaml: string;
}

export interface CalibrationReport {
  generatedAt: number;
  /** The play calibrated, and what its rep outcome `won` means (churn risk: the customer was retained). */
  play: { id: string; label: string; won: 'won' | 'retained' };
  period: { from: number; to: number; label: string };
  windowDays: number;
  outcomes: {
    /** Live alerts opened in the period. */
    alerts: number;
    withoutFeatures: number;
    labelled: number;
    converted: number;
    notConverted: number;
    pending: number;
    byOutcome: Record<string, number>;
    /** Labelled converted although the rep outcome was not `won`: bought on their own later. */
    boughtLater: number;
    notAFitReasons: Record<string, number>;
  };
  tiers: { hot: TierConversion; warm: TierConversion; all: TierConversion };
  /** The band of PQL→won over all tiers, and whether the outcomes are enough to call it; null but for new business. */
  verdict: Verdict | null;
  /** Highest lift first. */
  features: FeatureRow[];
  threshold: ThresholdAdvice | null;
  model: ModelReport | null;
  suggestion: Suggestion | null;
  /** Self-serve buyers no alert saw coming: new business only (null for another play). */
  missed: {
    conversions: number;
    alerted: number;
    missed: number;
    /** Purchases among the missed: median of the highest score in `window` before buying. */
    medianPeakScore: number | null;
    /** Share of missed purchasers with each signal/metric present when they bought, most first. */
    present: { id: string; share: number }[];
  } | null;
  /** Replays of today's manifest and of the suggested one over the period. */
  validation: { current: ReplaySummary; suggested: ReplaySummary | null };
  /** Change to the suggestion, or keep today's definition: the held-out and replay figures of both. */
  recommendation: Recommendation;
  /** Enough labelled outcomes (`TRUSTED_OUTCOMES`) to read the suggestions as more than hints. */
  trusted: boolean;
  warnings: string[];
}

export interface CalibrationInput {
  manifest: Manifest;
  /** The play to calibrate. Default new business. */
  play?: string;
  /** Called once per replay pass (twice when a suggestion is validated): a list, or a database's pages. */
  events: () => Iterable<StoredEvent> | EventPages;
  liveAlerts: readonly LiveAlert[];
  now: number;
  /** Default 180 days. */
  since?: number;
  /** Attribution window for purchases and missed PQLs. Default 30 days. */
  window?: number;
  /** Replay the suggested manifest and the threshold advice too (a second pass). Default true. */
  validate?: boolean;
  /** Told how far each replay pass got (the terminal's progress line). */
  progress?: ReplayProgress;
  /** Events in the history, when known: the progress line's total. */
  totalEvents?: number | null;
}

interface Example {
  alert: LiveAlert;
  features: FeatureSnapshot;
  /** 1 converted, 0 not, null pending. */
  label: 0 | 1 | null;
}

export async function calibrateHistory(input: CalibrationInput): Promise<CalibrationReport> {
  const { manifest, now } = input;
  const since = input.since ?? 180 * DAY;
  const window = input.window ?? 30 * DAY;
  const from = now - since;
  const play = playOf(manifest.plays, input.play ?? NEW_BUSINESS);
  const { scoring } = play;
  const isNewBusiness = play.id === NEW_BUSINESS;
  const defs = featureDefs(scoring);
  const warnings: string[] = [];

  // The play's own alerts: the other plays' are in the replay, matched to their own live alerts,
  // and left out of the figures.
  const ofPlay = input.liveAlerts.filter((a) => a.play === play.id);
  const inPeriod = ofPlay.filter((a) => a.openedAt > from && a.openedAt <= now);
  // An alert's moment: its opening event, or the daily re-score it opened on.
  const momentOf = (a: LiveAlert) => snapshotKey(a.accountId, a.openingEventId ?? a.trigger.eventId);
  const progress = input.progress ?? SILENT_PROGRESS;
  const validate = input.validate ?? true;
  progress.start(validate ? 'calibrating · pass 1 of 2' : 'calibrating', input.totalEvents ?? null);
  const replay = await replayOf(
    {
      manifests: [manifest],
      liveAlerts: input.liveAlerts,
      snapshots: { play: play.id, keys: new Set(inPeriod.map(momentOf)) },
      purchaseLookback: window,
      until: now,
      onProgress: (done) => progress.update(done),
    },
    input.events(),
  );
  const lane = replay.lanes[0]!;
  const weeks = weeksCovered(replay, from, now);
  const purchasesByAccount = groupByAccount(lane.purchases);

  // ── Examples ──
  const examples: Example[] = [];
  let withoutFeatures = 0;
  const byOutcome: Record<string, number> = {};
  const notAFitReasons: Record<string, number> = {};
  let boughtLater = 0;
  for (const alert of inPeriod) {
    const outcome = alert.outcome ?? 'open';
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    if (alert.outcome === 'not_a_fit') {
      const reason = String(alert.outcomeDetail?.reason ?? 'unknown');
      notAFitReasons[reason] = (notAFitReasons[reason] ?? 0) + 1;
    }
    const snapshot = lane.snapshots.get(momentOf(alert));
    if (!snapshot) {
      withoutFeatures++;
      continue;
    }
    // A purchase converts a new-business alert; another play's conversion is its rep outcome.
    const bought = isNewBusiness && boughtWithin(purchasesByAccount, alert.accountId, alert.openedAt, window);
    let label: 0 | 1 | null = null;
    if (alert.outcome === 'won' || alert.outcome === 'self_served') label = 1;
    else if (bought) {
      label = 1;
      if (alert.outcome !== null) boughtLater++;
    } else if (alert.outcome !== null && REP_OUTCOMES.has(alert.outcome)) label = 0;
    examples.push({ alert, features: snapshot.features, label });
  }
  const labelled = examples.filter((e) => e.label !== null);
  const converted = labelled.filter((e) => e.label === 1).length;
  if (withoutFeatures > 0) {
    warnings.push(
      `${withoutFeatures} of ${inPeriod.length} alerts opened on events no longer stored (older than retention, or erased): left out of the per-signal figures and the model.`,
    );
  }
  const trusted = labelled.length >= TRUSTED_OUTCOMES;
  if (!trusted) {
    warnings.push(
      `Only ${labelled.length} alerts with a known outcome: a few hundred (${TRUSTED_OUTCOMES}) are needed before these weights can be trusted, so read any suggestion as a hint.`,
    );
  }

  // ── Per tier, as /pls sla counts it ──
  const tiers = {
    hot: tierConversion(
      inPeriod.filter((a) => a.tier === 'hot'),
      isNewBusiness,
    ),
    warm: tierConversion(
      inPeriod.filter((a) => a.tier === 'warm'),
      isNewBusiness,
    ),
    all: tierConversion(inPeriod, isNewBusiness),
  };
  const verdict = isNewBusiness ? verdictOf({ ...tiers.all, band: tiers.all.band! }) : null;
  if (verdict && tiers.all.band !== 'not-enough-outcomes' && !verdict.firm) {
    const [lo, hi] = verdict.interval!;
    warnings.push(
      `PQL→won rests on ${tiers.all.outcomes} rep outcomes: its 95 % interval (${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)} %) ${tiers.all.band === 'healthy' ? 'reaches outside' : 'reaches into'} the healthy 10–40 % band, so "${tiers.all.band}" is a lean, not a verdict.`,
    );
  }

  // ── Per feature: presence, conversion with and without, lift ──
  const features: FeatureRow[] = defs.map((def, j) => featureRow(def, j, labelled));

  // ── Missed PQLs (today's manifest; new business's self-serve buyers) ──
  const conversions = conversionsOf(isNewBusiness ? lane.purchases : [], ofPlay, from, now, window);
  const cover = coverage(alertsOf(lane.alerts, play), conversions, window);
  const missedPurchases = cover.missed.flatMap((c) => (c.purchase ? [c.purchase] : []));
  const missed = !isNewBusiness
    ? null
    : {
        conversions: cover.conversions,
        alerted: cover.alerted,
        missed: cover.missed.length,
        medianPeakScore: median(missedPurchases.map((p) => p.peakScore)),
        present: defs
          .map((def, j) => ({
            id: def.id,
            share:
              missedPurchases.length === 0
                ? 0
                : missedPurchases.filter((p) => p.features.present[j]).length / missedPurchases.length,
          }))
          .filter((row) => row.share > 0)
          .sort((a, b) => b.share - a.share || compareText(a.id, b.id)),
      };

  // ── Threshold on today's weights ──
  const advice = isNewBusiness ? thresholdAdvice(scoring, examples, tiers.all, missedPurchases) : null;

  // ── Model and suggestion ──
  const warningsBefore = warnings.length;
  const fitted = fitModel(play, defs, labelled, tiers.all.band, warnings);
  if (fitted) {
    for (const row of features) {
      const j = defs.findIndex((d) => d.id === row.id);
      row.coefficient = fitted.coefficients[j] ?? null;
      row.suggestedPoints = fitted.suggestion ? fitted.unitPoints[j]! : null;
    }
  }
  features.sort((a, b) => (b.lift ?? -1) - (a.lift ?? -1) || compareText(a.id, b.id));

  // ── Validation: one more pass replays the suggestion and the threshold advice side by side ──
  const currentSummary = summarise(lane, play, conversions, { from, to: now, window, weeks });
  const advisedTiers = advice ? tiersFor(scoring, advice) : null;
  const second: Manifest[] = [];
  if (validate && fitted?.suggestion) second.push(applySuggestion(manifest, play.id, fitted.suggestion));
  if (validate && advisedTiers)
    second.push(withPlayScoring(manifest, play.id, { ...scoring, tiers: advisedTiers }));
  let suggestedSummary: ReplaySummary | null = null;
  let advisedSummary: ReplaySummary | null = null;
  if (second.length > 0) {
    progress.start('calibrating · pass 2 of 2', input.totalEvents ?? null);
    const { lanes } = await replayOf(
      {
        manifests: second,
        liveAlerts: input.liveAlerts,
        purchaseLookback: 0,
        until: now,
        onProgress: (done) => progress.update(done),
      },
      input.events(),
    );
    // Conversions are the history's, not the manifest's: every lane is measured against the same list.
    const summaries = lanes.map((l) => summarise(l, play, conversions, { from, to: now, window, weeks }));
    if (fitted?.suggestion) suggestedSummary = summaries.shift()!;
    if (advisedTiers) advisedSummary = summaries.shift()!;
  }
  progress.end();
  const threshold: ThresholdAdvice | null =
    advice && advisedTiers
      ? {
          ...advice,
          replay: advisedSummary
            ? { tiers: advisedTiers, today: currentSummary, advised: advisedSummary }
            : null,
        }
      : null;

  const recommendation = recommend({
    band: tiers.all.band,
    tiers: fitted?.suggestion?.tiers ?? null,
    heldOutAuc: { today: fitted?.model.auc.currentTest ?? null, suggested: fitted?.model.auc.test ?? null },
    today: currentSummary,
    suggested: suggestedSummary,
    noSuggestion: warnings.slice(warningsBefore).at(-1) ?? 'The model suggested nothing to change.',
  });

  return {
    generatedAt: now,
    play: { id: play.id, label: play.label, won: outcomeWord(play) },
    period: { from, to: now, label: `${Math.round(since / DAY)}d` },
    windowDays: Math.round(window / DAY),
    outcomes: {
      alerts: inPeriod.length,
      withoutFeatures,
      labelled: labelled.length,
      converted,
      notConverted: labelled.length - converted,
      pending: examples.length - labelled.length,
      byOutcome,
      boughtLater,
      notAFitReasons,
    },
    tiers,
    verdict,
    features,
    threshold,
    model: fitted?.model ?? null,
    suggestion: fitted?.suggestion ?? null,
    missed,
    validation: { current: currentSummary, suggested: suggestedSummary },
    recommendation,
    trusted,
    warnings,
  };
}

/**
 * Reads a database's history (read-only: src/db/history.ts) and calibrates `manifest`. A replay
 * is seconds of synchronous CPU between pages: run it off the request path.
 */
export async function calibrate(
  history: HistorySource,
  manifest: Manifest,
  options: {
    play?: string;
    since?: number;
    now: number;
    window?: number;
    validate?: boolean;
    progress?: ReplayProgress;
  },
): Promise<CalibrationReport> {
  return calibrateHistory({
    manifest,
    play: options.play,
    events: () => history.events(),
    liveAlerts: await history.liveAlerts(),
    now: options.now,
    since: options.since,
    window: options.window,
    validate: options.validate,
    progress: options.progress,
    totalEvents: options.progress ? await history.countEvents() : null,
  });
}

function replayOf(
  settings: ReplaySettings,
  events: Iterable<StoredEvent> | EventPages,
): Promise<ReplayResult> {
  return Symbol.asyncIterator in events
    ? replayPages(settings, events)
    : Promise.resolve(replayHistory({ ...settings, events }));
}

// ─── Per tier and per feature ────────────────────────────────────────────────────────────

/** A tier's conversion; `banded`: judged against the healthy PQL→won range (new business). */
function tierConversion(alerts: readonly LiveAlert[], banded: boolean): TierConversion {
  const figures = conversion(alerts);
  return { alerts: alerts.length, ...figures, band: banded ? figures.band : null };
}

function featureRow(def: FeatureDef, j: number, labelled: readonly Example[]): FeatureRow {
  let present = 0;
  let convertedWith = 0;
  let convertedWithout = 0;
  for (const e of labelled) {
    if (e.features.present[j]) {
      present++;
      if (e.label === 1) convertedWith++;
    } else if (e.label === 1) convertedWithout++;
  }
  const absent = labelled.length - present;
  const lift =
    present === 0 || absent === 0
      ? null
      : (convertedWith + 0.5) / (present + 1) / ((convertedWithout + 0.5) / (absent + 1));
  return {
    id: def.id,
    kind: def.kind,
    layer: def.layer,
    points: def.unitPoints,
    present,
    presentShare: labelled.length === 0 ? 0 : present / labelled.length,
    convertedWith,
    absent,
    convertedWithout,
    rateWith: present === 0 ? null : convertedWith / present,
    rateWithout: absent === 0 ? null : convertedWithout / absent,
    lift,
    coefficient: null,
    suggestedPoints: null,
  };
}

// ─── Threshold on today's weights ────────────────────────────────────────────────────────

/**
 * Too loose (PQL→won under 10 %): the lowest score above `tiers.warm` at which the alerts that
 * scored at least that much reached `HEALTHY_TARGET`. Too tight (over 40 %): the warm threshold
 * that would have put half the missed self-serve buyers above it (their peak score before
 * buying). Healthy, or not enough outcomes: no advice. Only the warm threshold moves (hot too
 * when a raised warm would reach it): the advice is priced by replaying exactly that.
 */
function thresholdAdvice(
  scoring: Scoring,
  examples: readonly Example[],
  all: TierConversion,
  missedPurchases: readonly { peakScore: number }[],
): ThresholdAdvice | null {
  const current = scoring.tiers.warm;
  if (all.band === 'too-loose') {
    const judged = examples.filter((e) => e.alert.outcome !== null && REP_OUTCOMES.has(e.alert.outcome));
    const winsTotal = judged.filter((e) => e.alert.outcome === 'won').length;
    // Up to 99: hot must stay above warm, and no score exceeds 100.
    for (let t = Math.floor(current) + 1; t <= 99; t++) {
      const kept = judged.filter((e) => e.features.score >= t);
      if (kept.length < MIN_OUTCOMES) break;
      const wins = kept.filter((e) => e.alert.outcome === 'won').length;
      if (wins / kept.length >= HEALTHY_TARGET) {
        return {
          direction: 'raise',
          current,
          threshold: t,
          alertsKept: kept.length,
          alertsTotal: judged.length,
          winsKept: wins,
          winsTotal,
          rate: wins / kept.length,
          replay: null,
        };
      }
    }
    return null;
  }
  if (all.band === 'too-tight') {
    const below = missedPurchases.map((p) => p.peakScore).filter((s) => s < current);
    if (below.length === 0) return null;
    const threshold = Math.max(1, Math.floor(median(below)!));
    return {
      direction: 'lower',
      current,
      threshold,
      missedCaught: below.filter((s) => s >= threshold).length,
      missedTotal: missedPurchases.length,
      replay: null,
    };
  }
  return null;
}

// ─── Model ───────────────────────────────────────────────────────────────────────────────

interface Fitted {
  model: ModelReport;
  coefficients: (number | null)[];
  /** Suggested points per unit of each feature (today's for features that never varied). */
  unitPoints: number[];
  suggestion: Suggestion | null;
}

function fitModel(
  play: Play,
  defs: readonly FeatureDef[],
  labelled: readonly Example[],
  band: Band | null,
  warnings: string[],
): Fitted | null {
  const { scoring } = play;
  const positives = labelled.filter((e) => e.label === 1).length;
  const negatives = labelled.length - positives;
  if (labelled.length < MIN_MODEL_EXAMPLES || positives < MIN_MODEL_CLASS || negatives < MIN_MODEL_CLASS) {
    warnings.push(
      `Too few outcomes to fit a model (${labelled.length} labelled: ${positives} converted, ${negatives} not; at least ${MIN_MODEL_EXAMPLES} with ${MIN_MODEL_CLASS} of each are needed): no weights suggested.`,
    );
    return null;
  }

  // Deterministic split by account, so one account's alerts never sit on both sides.
  const bucket = (e: Example) => hash(`${SPLIT_SEED}:${e.alert.accountId}`) % 100;
  const train = labelled.filter((e) => bucket(e) >= TEST_SHARE * 100);
  const test = labelled.filter((e) => bucket(e) < TEST_SHARE * 100);
  const trainX = train.map((e) => e.features.x);
  const trainY = train.map((e) => e.label as number);
  if (new Set(trainY).size < 2) {
    warnings.push('The training split holds only one outcome class: no weights suggested.');
    return null;
  }
  const lambda = chooseLambda(
    trainX,
    trainY,
    (i) => hash(`${SPLIT_SEED}:fold:${train[i]!.alert.accountId}`) % FOLDS,
    FOLDS,
    LAMBDA_GRID,
  );
  const fit = fitLogistic(trainX, trainY, { lambda });
  const varies = fit.scales.map((s) => s > 1e-12);

  // Points: positive weights scaled so that the features that varied keep today's total points;
  // negative weights (the feature made conversion *less* likely) become 0; constant features keep theirs.
  const full = (def: FeatureDef) => def.maxUnits ?? 1;
  let budget = 0;
  let mass = 0;
  defs.forEach((def, j) => {
    if (!varies[j]) return;
    budget += def.unitPoints * full(def);
    mass += Math.max(0, fit.weights[j]!) * full(def);
  });
  const unitPoints = defs.map((def, j) => {
    if (!varies[j]) return def.unitPoints;
    if (mass <= 0) return 0;
    const raw = (budget / mass) * Math.max(0, fit.weights[j]!);
    return Math.min(Math.round(raw), Math.floor(100 / Math.max(1, full(def))), 100);
  });
  const coefficients = fit.standardized.map((c, j) => (varies[j] ? c : null));

  const score = (e: Example) =>
    Math.min(
      100,
      e.features.x.reduce((sum, x, j) => sum + x * unitPoints[j]!, 0),
    );
  const trainScores = train.map(score);
  // The suggested points keep today's total, so a threshold in them reads on today's scale: under a
  // too-tight verdict it may only come down, under a too-loose one only go up.
  const threshold = bestF1Threshold(trainScores, trainY, warmBounds(band, scoring.tiers.warm));
  const testScores = test.map(score);
  const testY = test.map((e) => e.label as number);
  const predicted = testScores.map((s) => s >= threshold);
  const tp = predicted.filter((p, i) => p && testY[i] === 1).length;
  const fp = predicted.filter((p, i) => p && testY[i] === 0).length;
  const fn = predicted.filter((p, i) => !p && testY[i] === 1).length;
  if (!fit.converged) warnings.push('The regression did not converge within its iteration limit.');
  if (test.length === 0 || new Set(testY).size < 2) {
    warnings.push('The held-out alerts hold only one outcome class: no held-out AUC.');
  }

  const model: ModelReport = {
    lambda,
    converged: fit.converged,
    train: { examples: train.length, converted: trainY.filter((y) => y === 1).length },
    test: { examples: test.length, converted: testY.filter((y) => y === 1).length },
    auc: {
      train: auc(trainScores, trainY),
      test: auc(testScores, testY),
      currentTest: auc(
        test.map((e) => e.features.score),
        testY,
      ),
    },
    threshold,
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
  };
  if (mass <= 0) {
    warnings.push('No signal or metric made conversion more likely: no weights suggested.');
    return { model, coefficients, unitPoints: defs.map((d) => d.unitPoints), suggestion: null };
  }
  const suggestion = buildSuggestion(play, defs, unitPoints, threshold, warnings);
  return { model, coefficients, unitPoints, suggestion };
}

/**
 * The threshold (whole points, 1–100) with the best F1 on the training alerts — precision and
 * recall balanced — among those whose alerts convert at `HEALTHY_TARGET` or better (the healthy
 * band's floor: a threshold that keeps a too-loose definition too loose is no advice); the best
 * F1 overall when none does. Ties go to the higher threshold. Only thresholds within `bounds`
 * (`warmBounds`: the way the verdict points) are considered.
 */
function bestF1Threshold(
  scores: readonly number[],
  y: readonly number[],
  bounds: { min: number; max: number },
): number {
  const positives = y.filter((v) => v === 1).length;
  let best = { threshold: bounds.min, f1: -1 };
  let bestHealthy = { threshold: 0, f1: -1 };
  for (let t = bounds.min; t <= bounds.max; t++) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < scores.length; i++) {
      if (scores[i]! >= t) {
        if (y[i] === 1) tp++;
        else fp++;
      }
    }
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + (positives - tp));
    if (f1 >= best.f1) best = { threshold: t, f1 };
    if (tp + fp >= MIN_OUTCOMES && tp / (tp + fp) >= HEALTHY_TARGET && f1 >= bestHealthy.f1) {
      bestHealthy = { threshold: t, f1 };
    }
  }
  return bestHealthy.f1 >= 0 ? bestHealthy.threshold : best.threshold;
}

function buildSuggestion(
  play: Play,
  defs: readonly FeatureDef[],
  unitPoints: readonly number[],
  threshold: number,
  warnings: string[],
): Suggestion {
  const { scoring } = play;
  const signals: SuggestedSignal[] = [];
  const metrics: SuggestedMetric[] = [];
  defs.forEach((def, j) => {
    const points = unitPoints[j]!;
    if (def.kind === 'signal') {
      const signal = scoring.signals.find((s) => s.id === def.id)!;
      const cap = scaledCap(signal, points);
      if (points !== signal.points || cap !== signal.cap) {
        signals.push({ id: def.id, points, cap, was: { points: signal.points, cap: signal.cap } });
      }
    } else {
      const metric = scoring.metrics.find((m) => m.id === def.id)!;
      const steps = scaledSteps(metric, def.unitPoints, points);
      if (steps.some(([, p], i) => p !== metric.steps[i]![1])) {
        metrics.push({ id: def.id, steps, was: metric.steps.map(([t, p]) => [t, p]) });
      }
    }
  });
  const { warm, hot } = scoring.tiers;
  const newWarm = Math.min(99, Math.max(1, threshold));
  const newHot = Math.min(100, Math.max(newWarm + 1, Math.round(hot + (newWarm - warm))));
  const tiers = { warm: newWarm, hot: newHot, was: { warm, hot } };

  for (const layer of ['behavioral', 'organizational', 'intent'] as const) {
    const gate = scoring.gates[layer];
    let reachable = 0;
    defs.forEach((def, j) => {
      if (def.layer !== layer) return;
      reachable +=
        def.maxUnits === null && unitPoints[j]! > 0
          ? Number.POSITIVE_INFINITY
          : unitPoints[j]! * (def.maxUnits ?? 1);
    });
    if (reachable < gate) {
      warnings.push(
        `With the suggested points the ${layer} gate (${gate}) could not be reached (at most ${Math.round(reachable)} points): lower the gate or keep points on a ${layer} signal before applying it.`,
      );
    }
  }
  const suggestion = { signals, metrics, tiers, yaml: '' };
  suggestion.yaml = suggestedManifestYaml(suggestion, play.id === NEW_BUSINESS ? null : play.id);
  return suggestion;
}

/** A capped signal keeps its cap in events: 6 points capped at 18 (3 events) → 9 points capped at 27. */
function scaledCap(signal: Signal, points: number): number | null {
  if (signal.cap === null) return null;
  if (signal.points <= 0) return Math.min(100, Math.max(points, signal.cap));
  return Math.min(100, Math.max(points, Math.round((signal.cap / signal.points) * points)));
}

function scaledSteps(metric: Metric, top: number, points: number): [number, number][] {
  return metric.steps.map(([threshold, stepPoints]) => [
    threshold,
    top > 0 ? Math.min(100, Math.round((stepPoints / top) * points)) : stepPoints,
  ]);
}

/** Today's manifest with the suggested points and tiers for play `playId` (for the validation replay). */
function applySuggestion(manifest: Manifest, playId: string, suggestion: Suggestion): Manifest {
  const signals = new Map(suggestion.signals.map((s) => [s.id, s]));
  const metrics = new Map(suggestion.metrics.map((m) => [m.id, m]));
  const { scoring } = playOf(manifest.plays, playId);
  return withPlayScoring(manifest, playId, {
    ...scoring,
    tiers: { warm: suggestion.tiers.warm, hot: suggestion.tiers.hot },
    signals: scoring.signals.map((s) => {
      const changed = signals.get(s.id);
      return changed ? { ...s, points: changed.points, cap: changed.cap } : s;
    }),
    metrics: scoring.metrics.map((m) => {
      const changed = metrics.get(m.id);
      return changed ? { ...m, steps: changed.steps } : m;
    }),
  });
}

// ─── Helpers ─────────────────────────────────────────────────────────────────────────────

const WEEK = 7 * DAY;

function summarise(
  lane: ReplayLaneResult,
  play: Play,
  conversions: readonly Conversion[],
  period: { from: number; to: number; window: number; weeks: number },
): ReplaySummary {
  const { from, to, window, weeks } = period;
  const ofPlay = alertsOf(lane.alerts, play);
  const alerts = ofPlay.filter((a) => a.openedAt > from && a.openedAt <= to);
  const covered = coverage(ofPlay, conversions, window);
  const byAccount = groupByAccount(conversions);
  const convertingAlerts = alerts.filter((a) => {
    const until = Math.max(a.openedAt + window, a.closedAt ?? Number.POSITIVE_INFINITY);
    return (byAccount.get(a.accountId) ?? []).some((c) => c.at >= a.openedAt && c.at <= until);
  }).length;
  return {
    alerts: alerts.length,
    alertsPerWeek: alerts.length / weeks,
    conversions: covered.conversions,
    alertedBeforeConversion: covered.alerted,
    convertingAlerts,
    precision: alerts.length === 0 ? null : convertingAlerts / alerts.length,
  };
}

/** Weeks of the period the history covers (at least one day's worth): the "per week" of the replays. */
function weeksCovered(replay: ReplayResult, from: number, to: number): number {
  const start = Math.max(from, replay.firstClock ?? from);
  const end = Math.min(to, replay.lastClock ?? to);
  return Math.max(DAY, end - start) / WEEK;
}

/** The tiers the threshold advice means: warm moved, hot kept above it. */
function tiersFor(scoring: Scoring, advice: ThresholdAdvice): { warm: number; hot: number } {
  const { hot } = scoring.tiers;
  return { warm: advice.threshold, hot: Math.min(100, Math.max(hot, advice.threshold + 1)) };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A lane's alerts of the play calibrated: what calibration's replay figures are about. */
function alertsOf<T extends { play: string }>(alerts: readonly T[], play: Play): T[] {
  return alerts.filter((alert) => alert.play === play.id);
}
