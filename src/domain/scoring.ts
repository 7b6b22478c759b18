import { type AccountState, decay, type PlayState, usersByFortnight, windowCount } from './account-state.js';
import { LAYERS, type Layer, type Metric, type MetricName, type Scoring, type Tier } from './definition.js';
import { isFreeMailDomain } from './free-mail.js';
import { formatNumber, renderSays } from './signal-text.js';
import { countSince, DAY, HOUR, sumWithin } from './windows.js';

/** The firmographics scoring reads. */
export interface Firmographics {
  employees: number | null;
  domain: string | null;
  plan: string | null;
}

/** An account pls has no row for (yet): nothing known about the company. */
export const UNKNOWN_FIRMOGRAPHICS: Readonly<Firmographics> = { employees: null, domain: null, plan: null };

export interface Contribution {
  id: string;
  layer: Layer;
  kind: 'signal' | 'metric';
  points: number;
  /** Signals: hits in the count window; metrics: the metric's value. */
  value: number;
  /** Signals only: when the last hit happened. */
  lastAt: number | null;
  /** The signal or metric in words, with its numbers. */
  text: string;
}

export interface Score {
  /** 0–100, capped, unrounded (render rounds). */
  total: number;
  layers: Record<Layer, number>;
  gates: Record<Layer, { points: number; min: number; passed: boolean }>;
  tier: Tier;
  /** Every contribution with points > 0, highest first. */
  contributions: Contribution[];
}

/**
 * The composite PQL score at `now` of one play (`own`: its signals; new business's by default): decayed, capped signal points plus the highest step reached
 * by each metric, summed per layer; an account failing any layer's gate is cold whatever its
 * score (engagement alone is not a PQL).
 */
export function scoreAccount(
  state: AccountState,
  firm: Firmographics,
  scoring: Scoring,
  now: number,
  own: PlayState = state,
): Score {
  const contributions: Contribution[] = [];
  for (const signal of scoring.signals) {
    const entry = own.signals[signal.id];
    if (!entry) continue;
    const decayed = entry.sum * decay(now - entry.at, scoring.half_life);
    const points = signal.cap === null ? decayed : Math.min(signal.cap, decayed);
    if (points < 0.05) continue;
    const count = windowCount(signal, entry, now);
    const props = entry.last.props;
    contributions.push(
      withLazyText(
        { id: signal.id, layer: signal.layer, kind: 'signal', points, value: count, lastAt: entry.last.at },
        () => renderSays(signal.says ?? defaultSays(signal.event), { ...props, count }, scoring.labels),
      ),
    );
  }
  for (const metric of scoring.metrics) {
    const value = metricValue(metric.metric, state, firm, now);
    const points = metricPoints(metric, value);
    if (points <= 0) continue;
    contributions.push(
      withLazyText({ id: metric.id, layer: metric.layer, kind: 'metric', points, value, lastAt: null }, () =>
        describeMetric(metric.metric, value),
      ),
    );
  }
  contributions.sort((a, b) => b.points - a.points);

  const layers = { behavioral: 0, organizational: 0, intent: 0 } as Record<Layer, number>;
  for (const c of contributions) layers[c.layer] += c.points;
  const gates = Object.fromEntries(
    LAYERS.map((layer) => {
      const min = scoring.gates[layer];
      return [layer, { points: layers[layer], min, passed: layers[layer] >= min }];
    }),
  ) as Score['gates'];
  const total = Math.min(100, layers.behavioral + layers.organizational + layers.intent);
  const passed = LAYERS.every((layer) => gates[layer].passed);
  return { total, layers, gates, tier: passed ? tierFor(total, scoring) : 'cold', contributions };
}

/**
 * Every event is scored, but a contribution's words are read only when an alert or a view is
 * rendered: `text` is worked out on first read (it was a fifth of the cost of scoring).
 */
function withLazyText(contribution: Omit<Contribution, 'text'>, render: () => string): Contribution {
  let text: string | undefined;
  return Object.defineProperty(contribution, 'text', {
    get: () => (text ??= render()),
    enumerable: true,
  }) as Contribution;
}

/**
 * A score as people read it: rounded down, so a 69.6 never reads as the hot threshold of 70 it
 * has not reached. Every place that shows a score shows this.
 */
export function shownScore(total: number): number {
  return Math.floor(total);
}

export function tierFor(total: number, scoring: Pick<Scoring, 'tiers'>): Tier {
  if (total >= scoring.tiers.hot) return 'hot';
  if (total >= scoring.tiers.warm) return 'warm';
  return 'cold';
}

/** The score of an account pls has never seen: nothing earned, every gate failed. */
export const EMPTY_SCORE: Readonly<Score> = {
  total: 0,
  layers: { behavioral: 0, organizational: 0, intent: 0 },
  gates: {
    behavioral: { points: 0, min: 0, passed: false },
    organizational: { points: 0, min: 0, passed: false },
    intent: { points: 0, min: 0, passed: false },
  },
  tier: 'cold',
  contributions: [],
};

export const TIER_RANK: Record<Tier, number> = { cold: 0, warm: 1, hot: 2 };

/** The manifest's metrics (manifests/README.md), computed from the rolling windows at `now`. */
export function metricValue(name: MetricName, state: AccountState, firm: Firmographics, now: number): number {
  switch (name) {
    case 'active_days_14d': {
      const today = Math.floor(now / DAY);
      return state.activeDays.filter((day) => day > today - 14 && day <= today).length;
    }
    case 'active_users_14d':
      return countSince(state.activeUsers, now - 14 * DAY);
    case 'sessions_7d':
      return sumWithin(state.sessions, now, 7 * DAY, HOUR);
    case 'features_30d':
      return countSince(state.features, now - 30 * DAY);
    case 'integrations':
      return state.integrations.length;
    case 'invites_30d':
      return sumWithin(state.invites, now, 30 * DAY, DAY);
    case 'pricing_views_7d':
      return sumWithin(state.pricingViews, now, 7 * DAY, HOUR);
    case 'usage_ratio': {
      let ratio = 0;
      for (const limit of Object.values(state.limits)) {
        if (limit.at > now - 30 * DAY) ratio = Math.max(ratio, Math.min(1, limit.used / limit.quota));
      }
      return ratio;
    }
    case 'limit_pressure_days_14d': {
      const today = Math.floor(now / DAY);
      return (state.pressureDays ?? []).filter((day) => day > today - 14 && day <= today).length;
    }
    case 'employees':
      return firm.employees ?? 0;
    case 'business_domain': {
      const domain = firm.domain ?? state.firstEmailDomain;
      return domain && !isFreeMailDomain(domain) ? 1 : 0;
    }
    case 'active_users_change_28d': {
      const { recent, before } = usersByFortnight(state, Math.floor(now / DAY));
      return change(recent, before, MIN_USERS_BEFORE);
    }
    case 'sessions_change_28d': {
      const days = state.sessionDays ?? {};
      const recent = sumWithin(days, now, 14 * DAY, DAY);
      return change(recent, sumWithin(days, now, 28 * DAY, DAY) - recent, MIN_SESSIONS_BEFORE);
    }
  }
}

/** A change is measured only from a real base (SPEC §5): else a team of one going quiet would read as −100 %. */
const MIN_USERS_BEFORE = 3;
const MIN_SESSIONS_BEFORE = 10;

/** (recent − before) ÷ before, from −1 up; 0 without `minimum` before. */
function change(recent: number, before: number, minimum: number): number {
  return before < minimum ? 0 : (recent - before) / before;
}

/** The points a metric's value earns: the highest step reached, or for `below` the most severe fallen to. */
export function metricPoints(metric: Metric, value: number): number {
  if (metric.below) {
    for (const [threshold, points] of metric.steps) if (value <= threshold) return points;
    return 0;
  }
  let points = 0;
  for (const [threshold, stepPoints] of metric.steps) if (value >= threshold) points = stepPoints;
  return points;
}

function describeMetric(name: MetricName, value: number): string {
  const n = formatNumber(value);
  switch (name) {
    case 'active_days_14d':
      return `active ${n} of the last 14 days`;
    case 'active_users_14d':
      return `${n} active ${value === 1 ? 'user' : 'users'} in 14 days`;
    case 'sessions_7d':
      return `${n} sessions this week`;
    case 'features_30d':
      return `${n} features used in 30 days`;
    case 'integrations':
      return `${n} ${value === 1 ? 'integration' : 'integrations'} connected`;
    case 'invites_30d':
      return `${n} ${value === 1 ? 'teammate' : 'teammates'} invited in 30 days`;
    case 'pricing_views_7d':
      return `viewed pricing ${n}× this week`;
    case 'usage_ratio':
      return `at ${Math.round(value * 100)}% of a usage limit`;
    case 'limit_pressure_days_14d':
      return `near a usage limit on ${n} ${value === 1 ? 'day' : 'days'} in 14 days`;
    case 'employees':
      return `${n} employees`;
    case 'business_domain':
      return 'signed up with a business email domain';
    case 'active_users_change_28d':
      return `active users ${changeWords(value)} over the last two weeks against the two before`;
    case 'sessions_change_28d':
      return `sessions ${changeWords(value)} over the last two weeks against the two before`;
  }
}

/** −0.55 → "down 55 %", 0.2 → "up 20 %". */
function changeWords(value: number): string {
  const percent = Math.round(Math.abs(value) * 100);
  return value < 0 ? `down ${percent} %` : value > 0 ? `up ${percent} %` : 'unchanged';
}

function defaultSays(event: string): string {
  return `${event.replaceAll('_', ' ')} ({count}× this week)`;
}

/**
 * Ready for sales (outbound `account.ready`): the score passes every gate at warm or hot, or the
 * account is armed (its crossing into hot held back only by missing data), whatever the rules
 * that keep reps away would decide.
 */
export function readyForSales(score: Score | undefined, armed: boolean): boolean {
  return armed || (score !== undefined && score.tier !== 'cold');
}
