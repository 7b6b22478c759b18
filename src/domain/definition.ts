/*
 * The PQL definition's vocabulary (manifests/README.md): tiers, layers, signals, metrics, rules,
 * plays, teams, reps and clocks, as the engine reads them. The manifest (src/config/manifest.ts)
 * parses a YAML file into exactly these shapes, frozen, with every default filled in: durations
 * are milliseconds, percentages fractions, working hours minutes since midnight. The domain owns
 * the words; config only produces them.
 */

export const LAYERS = ['behavioral', 'organizational', 'intent'] as const;
export type Layer = (typeof LAYERS)[number];

export const TIERS = ['hot', 'warm', 'cold'] as const;
export type Tier = (typeof TIERS)[number];
/** The tiers that raise alerts (cold never does): what reps take and what SLAs exist for. */
export const ALERT_TIERS = ['hot', 'warm'] as const;
export type AlertTier = (typeof ALERT_TIERS)[number];

/** Account metrics the engine keeps, usable in `scoring.metrics[].metric`. */
export const METRIC_NAMES = [
  'active_days_14d',
  'active_users_14d',
  'sessions_7d',
  'features_30d',
  'integrations',
  'invites_30d',
  'pricing_views_7d',
  'usage_ratio',
  'limit_pressure_days_14d',
  'employees',
  'business_domain',
  'active_users_change_28d',
  'sessions_change_28d',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const ROUTING_STRATEGIES = ['owner', 'territory', 'tier', 'round_robin'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const ESCALATION_ACTIONS = ['remind', 'escalate', 'reassign'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];

/** Account fields a team's `match` can test. */
export const MATCH_FIELDS = ['employees', 'country', 'industry', 'plan', 'domain'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export const CONDITION_OPERATORS = ['eq', 'in', 'gte', 'gt', 'lte', 'lt'] as const;

// ─── Types ────────────────────────────────────────────────────────────────────────────────

export type Scalar = string | number | boolean;

/** All present operators must hold. Numeric operators compare numbers only. */
export interface Condition {
  readonly eq?: Scalar;
  readonly in?: readonly Scalar[];
  readonly gte?: number;
  readonly gt?: number;
  readonly lte?: number;
  readonly lt?: number;
}

/** Account fields → conditions, all of which must hold; `{}` matches every account. */
export type Match = { readonly [Field in MatchField]?: Condition };

/** Event properties → conditions (a signal's `where`). */
export type PropertyMatch = Readonly<Record<string, Condition>>;

export interface Hours {
  /** IANA time zone. */
  readonly tz: string;
  /** Luxon weekdays, 1 = Monday … 7 = Sunday, ascending. */
  readonly days: readonly number[];
  /** Minutes since midnight, inclusive. */
  readonly from: number;
  /** Minutes since midnight, exclusive; up to 1440 (`24:00`); always > from. */
  readonly to: number;
}

export interface Handoff {
  /** The signal's nth occurrence (within `within`) is the handoff moment. */
  readonly count: number;
  /** Milliseconds; null = occurrences ever. */
  readonly within: number | null;
  /** `day`: count the distinct UTC days with an occurrence, not the occurrences. */
  readonly distinct: 'day' | null;
}

export interface Signal {
  readonly id: string;
  readonly layer: Layer;
  /** Event `type` this signal scores. */
  readonly event: string;
  /** Points per occurrence, before decay. */
  readonly points: number;
  /** Most points all occurrences together may add (before decay); null = no cap. */
  readonly cap: number | null;
  /** Null: the signal only scores, never triggers an alert by itself. */
  readonly handoff: Handoff | null;
  /** "Why now" template with `{property}` and `{count}` placeholders; null = a generic sentence. */
  readonly says: string | null;
  /** The signal's name for people (reports, queue); default: its id in words. */
  readonly label: string;
  /** The first message to the prospect for this signal's moments; null = the moment's template. */
  readonly opener: string | null;
  /** Only events whose properties match score; null = every event of the type. */
  readonly where: PropertyMatch | null;
}

/** `[threshold, points]`: a metric ≥ threshold earns points; the highest step reached counts. */
export type MetricStep = readonly [threshold: number, points: number];

export interface Metric {
  readonly id: string;
  readonly layer: Layer;
  readonly metric: MetricName;
  /** Ascending by threshold, thresholds distinct. */
  readonly steps: readonly MetricStep[];
  /**
   * Scores the most severe step the value has fallen to (value ≤ threshold) instead of the
   * highest it has reached: a falling metric (`[[-0.3, 15], [-0.5, 30]]`).
   */
  readonly below: boolean;
}

export interface Rules {
  /** ms: one alert per account per cooldown, unless its tier rises. */
  readonly cooldown: number;
  /** ms: no alert this long after `upgrade_started`. */
  readonly converting_window: number;
  readonly min_employees: number;
  /** With `employees` unknown, fewer active users (14 days) than this is self-serve. */
  readonly min_active_users_when_size_unknown: number;
  /** Claim and Not a fit are for the alert's team's reps, the rep it was routed to, and managers. */
  readonly team_only_claims: boolean;
  readonly exclude_plans: readonly string[];
  /** ms: no response this long after first touch → back to self-serve. */
  readonly back_off: number;
  /** ms: an event older than this on arrival scores but fires no alert. */
  readonly stale_after: number;
  readonly paid_plans: readonly string[];
}

export interface Scoring {
  /** ms */
  readonly half_life: number;
  /** Score thresholds, hot > warm. */
  readonly tiers: { readonly hot: number; readonly warm: number };
  /** Minimum points per layer; failing any gate makes an account cold. */
  readonly gates: Readonly<Record<Layer, number>>;
  readonly signals: readonly Signal[];
  readonly metrics: readonly Metric[];
  readonly rules: Rules;
  /** The manifest's `labels`, for the sentences scoring writes. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface Team {
  readonly id: string;
  /** Slack channel id. */
  readonly channel: string;
  readonly match: Match;
  readonly hours: Hours;
  /** Slack user ids, all present in `routing.reps`. */
  readonly reps: readonly string[];
}

export interface Rep {
  /** Slack user id. */
  readonly id: string;
  /** Lower-cased; matched against an account's CRM `owner`. */
  readonly email: string | null;
  /** Open alerts the rep may hold at once. */
  readonly capacity: number;
  readonly tiers: readonly AlertTier[];
  /** Territory; null = any country. */
  readonly countries: readonly string[] | null;
  /** Null = the hours of the team the alert is routed to. */
  readonly hours: Hours | null;
  /** Share in weighted round-robin. */
  readonly weight: number;
}

export interface Routing {
  readonly strategy: readonly RoutingStrategy[];
  /** Always names a team. */
  readonly default_team: string;
  /** First match wins. */
  readonly teams: readonly Team[];
  readonly reps: readonly Rep[];
  /** Slack user ids. */
  readonly managers: readonly string[];
  /** Slack channel id. */
  readonly escalation_channel: string;
}

export interface SlaTargets {
  /** ms from the alert. */
  readonly claim: number;
  /** ms from the alert; ≥ claim. */
  readonly first_touch: number;
}

export interface EscalationStep {
  /** Fraction of the claim SLA elapsed (0.5 = 50 %). */
  readonly at: number;
  readonly do: EscalationAction;
}

export interface SlaPolicy {
  /** ms */
  readonly sweep_every: number;
  readonly business_hours: boolean;
  readonly tiers: Readonly<Record<AlertTier, SlaTargets>>;
  /** Ascending by `at`. */
  readonly escalation: readonly EscalationStep[];
}

/** What an outbound webhook can be told (README, "Outbound webhooks"). */
export const WEBHOOK_EVENT_TYPES = [
  'alert.opened',
  'alert.upgraded',
  'alert.claimed',
  'alert.contacted',
  'alert.released',
  'alert.snoozed',
  'alert.closed',
  'account.ready',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One `integrations.webhooks` entry as written: its secret is resolved with the environment (src/config/webhooks.ts). */
export interface WebhookSubscription {
  readonly url: string;
  /** `whsec_…`, or `${ENV_NAME}` naming the variable that holds it. */
  readonly secret: string;
  readonly events: readonly WebhookEventType[];
}

/**
 * `integrations.hubspot`: what pls does with HubSpot once `HUBSPOT_TOKEN` turns it on (README,
 * "HubSpot"). Without the token these settings are read and checked, and nothing is done.
 */
export interface HubSpotSettings {
  /** Route an alert to the HubSpot owner of the account's company when they are a rep. */
  readonly owner_routing: boolean;
  /** Write score, tier, alert state, tasks and notes back to HubSpot. */
  readonly write_back: boolean;
  /** How long a company and owner found in HubSpot are trusted before pls asks again (ms). */
  readonly refresh_owner_after: number;
  /** The company property group pls writes its properties into (created at start-up if missing). */
  readonly property_group: string;
}

export interface Integrations {
  readonly webhooks: readonly WebhookSubscription[];
  readonly hubspot: HubSpotSettings;
}

/**
 * One play (manifests/README.md, "Plays"): which accounts it judges, and its own scoring, routing
 * and clocks. The top-level `scoring`, `routing` and `sla` are the new-business play.
 */
export interface Play {
  readonly id: string;
  readonly label: string;
  /** The accounts the play judges (the match grammar of teams); null = every account. */
  readonly applies_to: Match | null;
  /**
   * New business beside other plays: an account on one of its `paid_plans` is not judged (an
   * unknown plan is not paying).
   */
  readonly prospects_only: boolean;
  /** The first message for the play's moments when its signal has none; null = the moment's template. */
  readonly opener: string | null;
  readonly scoring: Scoring;
  /** The play's teams; reps, managers, strategy and escalation channel are the manifest's. */
  readonly routing: Routing;
  readonly sla: SlaPolicy;
}

export interface Manifest {
  readonly timezone: string;
  /** People's words for ids that events carry (features, milestones, limits). */
  readonly labels: Readonly<Record<string, string>>;
  /** ms */
  readonly retention: number;
  readonly scoring: Scoring;
  readonly routing: Routing;
  readonly sla: SlaPolicy;
  /** New business first (the top-level `scoring`, `routing`, `sla`), then `plays:` in order. */
  readonly plays: readonly Play[];
  /** Every play's teams, new business's first (ids are unique across plays): an alert names its team by id. */
  readonly teams: readonly Team[];
  readonly integrations: Integrations;
}

/**
 * The manifest with new business scored by `scoring` (calibration's suggestions, what-if
 * replays): the top level and the new-business play stay one definition.
 */
export function withNewBusinessScoring(manifest: Manifest, scoring: Scoring): Manifest {
  return withPlayScoring(manifest, manifest.plays[0]!.id, scoring);
}

/** The manifest with play `playId` scored by `scoring` (new business: the top level too). */
export function withPlayScoring(manifest: Manifest, playId: string, scoring: Scoring): Manifest {
  const isNewBusiness = manifest.plays[0]!.id === playId;
  return {
    ...manifest,
    scoring: isNewBusiness ? scoring : manifest.scoring,
    plays: manifest.plays.map((play) => (play.id === playId ? { ...play, scoring } : play)),
  };
}
