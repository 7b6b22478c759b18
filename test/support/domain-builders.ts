/**
 * Builders for unit tests of the pure domain and the renderers. Manifests always go through
 * `parseManifest`, so tests see exactly the frozen, defaulted shape the app sees; everything else
 * (events, scores, alert cards) is plain data with realistic defaults.
 */
import { parse } from 'yaml';
import { parseManifest } from '../../src/config/manifest.js';
import type { SignalHit } from '../../src/domain/account-state.js';
import { emptyAccountState } from '../../src/domain/account-state.js';
import type { Hours, Layer, Manifest, Scoring, Signal } from '../../src/domain/definition.js';
import type { AlertSummary, AlertTrigger, HandoffInput } from '../../src/domain/handoff.js';
import { writeOpener } from '../../src/domain/opener.js';
import { createRng } from '../../src/domain/rng.js';
import type { Contribution, Score } from '../../src/domain/scoring.js';
import type { ReportAlert } from '../../src/domain/sla-report.js';
import type { UsageEvent } from '../../src/domain/usage-event.js';
import type { AlertCard } from '../../src/services/alert-card.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Monday 2026-11-23, 15:00 UTC = 10:00 in New York (EST, UTC-5): inside mon–fri 09:00–18:00. */
export const MONDAY_10AM_NY = Date.parse('2026-11-23T15:00:00Z');

/**
 * An example manifest: the documented defaults (manifests/README.md) and example signals, one team
 * and two reps, as YAML hands it over.
 */
const EXAMPLE_MANIFEST_YAML = `
timezone: America/New_York
scoring:
  half_life: 3d
  tiers: { hot: 70, warm: 40 }
  gates: { behavioral: 10, organizational: 5, intent: 10 }
  signals:
    - id: usage_limit_hit
      layer: intent
      event: usage_limit_hit
      points: 30
      handoff: true
      says: "hit the {limit} limit ({used}/{quota})"
    - id: pricing_repeat
      layer: intent
      event: pricing_page_viewed
      points: 6
      cap: 18
      handoff: { count: 3, within: 7d }
      says: "viewed pricing {count}× in 7 days"
    - { id: sessions, layer: behavioral, event: session_started, points: 2, cap: 10, says: "{count} sessions this week" }
    - { id: features, layer: behavioral, event: feature_used, points: 3, cap: 9, says: "used {feature}" }
    - { id: invites, layer: organizational, event: teammate_invited, points: 4, cap: 12 }
    - { id: sso_attempt, layer: intent, event: premium_feature_attempted, points: 12, where: { feature: { in: [sso, scim] } }, handoff: true, says: "tried {feature} (needs {plan})" }
    - { id: demo, layer: intent, event: demo_requested, points: 40, handoff: { count: 1 } }
  metrics:
    - { id: active_days, layer: behavioral, metric: active_days_14d, steps: [[5, 8], [10, 15]] }
    - { id: seats, layer: organizational, metric: active_users_14d, steps: [[3, 10], [5, 15]] }
    - { id: company_size, layer: organizational, metric: employees, steps: [[50, 8], [500, 15]] }
routing:
  teams:
    - id: mid-market
      channel: C0MIDMARKET
      match: { employees: { gte: 20, lt: 1000 } }
      reps: [U0ANA, U0BEN]
  reps:
    - { id: U0ANA, email: ana@seller.com, capacity: 15, tiers: [hot, warm], countries: [US, CA] }
    - { id: U0BEN, email: ben@seller.com, capacity: 10, tiers: [warm] }
  managers: [U0MGR]
  escalation_channel: C0ESCALATE
`;

type Raw = Record<string, unknown>;

function isPlainObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge for raw manifests: objects merge, everything else (lists included) replaces. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = merge(base[key], value);
  return out;
}

/** A manifest parsed from YAML, optionally patched (deep-merged; lists replace) before parsing. */
export function manifestFrom(yaml: string, patch: Raw = {}): Manifest {
  return parseManifest(merge(parse(yaml), patch));
}

/** That example manifest, patched. */
export function specManifest(patch: Raw = {}): Manifest {
  return manifestFrom(EXAMPLE_MANIFEST_YAML, patch);
}

/** Working hours exactly as the manifest parser turns them into minutes and luxon weekdays. */
export function hours(spec: { tz?: string; days?: unknown; from?: string; to?: string }): Hours {
  return manifestFrom(
    `
scoring:
  signals: [{ id: s, layer: intent, event: e, points: 10 }]
  gates: { behavioral: 0, organizational: 0 }
  tiers: { hot: 10, warm: 5 }
routing:
  teams: [{ id: t, channel: C0T }]
  reps: [{ id: U0R }]
  managers: [U0M]
  escalation_channel: C0E
`,
    { routing: { teams: [{ id: 't', channel: 'C0T', hours: spec }] } },
  ).routing.teams[0]!.hours;
}

export function signalOf(manifest: Manifest, id: string): Signal {
  const signal = manifest.scoring.signals.find((s) => s.id === id);
  if (!signal) throw new Error(`no signal ${id} in the manifest`);
  return signal;
}

let eventCounter = 0;

/** A processed usage event (README, "Sending events"), at `at`. */
export function usageEvent(
  type: string,
  at: number,
  options: { properties?: Raw; userId?: string | null; email?: string; id?: string } = {},
): UsageEvent {
  eventCounter++;
  const userId = options.userId === undefined ? 'u_7' : options.userId;
  return {
    id: options.id ?? `evt_${eventCounter}`,
    source: 'webhook',
    type,
    occurredAt: at,
    accountId: 'acct_42',
    account: null,
    userId,
    user: userId ? { email: options.email ?? 'kim@acme.com', name: 'Kim Lee' } : null,
    properties: options.properties ?? {},
  };
}

/**
 * A score with the given layer points, judged by the documented rules (manifests/README.md, "How a
 * score is made"; an oracle written from the docs, not the module): total capped at 100, every
 * gate must pass, then the tier thresholds.
 */
export function scoreWith(layers: Partial<Record<Layer, number>>, scoring: Scoring): Score {
  const points: Record<Layer, number> = { behavioral: 0, organizational: 0, intent: 0, ...layers };
  const gates = {
    behavioral: gate(points.behavioral, scoring.gates.behavioral),
    organizational: gate(points.organizational, scoring.gates.organizational),
    intent: gate(points.intent, scoring.gates.intent),
  };
  const total = Math.min(100, points.behavioral + points.organizational + points.intent);
  const passed = gates.behavioral.passed && gates.organizational.passed && gates.intent.passed;
  const tier = !passed
    ? 'cold'
    : total >= scoring.tiers.hot
      ? 'hot'
      : total >= scoring.tiers.warm
        ? 'warm'
        : 'cold';
  const contributions: Contribution[] = (Object.keys(points) as Layer[])
    .filter((layer) => points[layer] > 0)
    .map((layer) => ({
      id: `${layer}_points`,
      layer,
      kind: 'metric' as const,
      points: points[layer],
      value: points[layer],
      lastAt: null,
      text: `${layer} points`,
    }));
  return { total, layers: points, gates, tier, contributions };
}

function gate(points: number, min: number) {
  return { points, min, passed: points >= min };
}

/** Layer points that make an example-manifest account warm (55), hot (80) or cold on the intent gate. */
export const WARM_LAYERS = { behavioral: 20, organizational: 15, intent: 20 };
export const HOT_LAYERS = { behavioral: 25, organizational: 25, intent: 30 };

export function alertSummary(overrides: Partial<AlertSummary> = {}): AlertSummary {
  return { state: 'open', tier: 'warm', openedAt: 0, closedAt: null, outcome: null, ...overrides };
}

/** The input `decideHandoff` sees for a fresh usage-limit hit on a warm, gated, 250-employee account. */
export function handoffInput(manifest: Manifest, overrides: Partial<HandoffInput> = {}): HandoffInput {
  const now = overrides.now ?? MONDAY_10AM_NY;
  const state = overrides.state ?? emptyAccountState();
  const limit = signalOf(manifest, 'usage_limit_hit');
  return {
    event: {
      id: 'evt_limit',
      type: 'usage_limit_hit',
      occurredAt: now - MINUTE,
      userId: 'u_7',
      properties: { limit: 'API calls', used: 10_000, quota: 10_000 },
    },
    receivedAt: now - MINUTE,
    before: scoreWith({ ...WARM_LAYERS, intent: 10 }, manifest.scoring),
    after: scoreWith(WARM_LAYERS, manifest.scoring),
    hits: [{ signal: limit, count: 1, props: {} }],
    firm: { employees: 250, domain: 'acme.com', plan: 'free' },
    state,
    openAlert: null,
    lastAlert: null,
    rules: manifest.scoring.rules,
    now,
    ...overrides,
    own: overrides.own ?? state,
  };
}

export function hit(signal: Signal, count = 1): SignalHit {
  return { signal, count, props: {} };
}

export function trigger(overrides: Partial<AlertTrigger> = {}): AlertTrigger {
  return {
    kind: 'signal',
    signalId: 'usage_limit_hit',
    text: 'hit the API calls limit (10,000/10,000)',
    at: MONDAY_10AM_NY - 3 * MINUTE,
    eventId: 'evt_limit',
    userId: 'u_7',
    props: { limit: 'API calls' },
    ...overrides,
  };
}

export function contribution(overrides: Partial<Contribution> = {}): Contribution {
  return {
    id: 'usage_limit_hit',
    layer: 'intent',
    kind: 'signal',
    points: 30,
    value: 1,
    lastAt: MONDAY_10AM_NY - 3 * MINUTE,
    text: 'hit the API calls limit (10,000/10,000)',
    ...overrides,
  };
}

/**
 * An open hot alert card for Acme, raised at MONDAY_10AM_NY - 3 min, shown in New York time. Its
 * layers and score add up from its contributions unless a test sets them.
 */
export function alertCard(overrides: Partial<AlertCard> = {}): AlertCard {
  const card = baseCard(overrides);
  const layers = { behavioral: 0, organizational: 0, intent: 0 } as Record<Layer, number>;
  for (const c of card.contributions) layers[c.layer] += c.points;
  const uncapped = layers.behavioral + layers.organizational + layers.intent;
  const signal = specManifest().scoring.signals.find((s) => s.id === card.trigger.signalId) ?? null;
  return {
    ...card,
    layers: overrides.layers ?? layers,
    uncapped: overrides.uncapped ?? uncapped,
    score: overrides.score ?? Math.min(100, uncapped),
    opener:
      overrides.opener ??
      writeOpener({
        trigger: card.trigger,
        signal,
        labels: {},
        account: card.account.name,
        contacts: card.contacts,
      }),
  };
}

function baseCard(overrides: Partial<AlertCard>): Omit<AlertCard, 'layers' | 'uncapped' | 'opener'> {
  const raised = MONDAY_10AM_NY - 3 * MINUTE;
  return {
    alertId: 'al_01TEST',
    play: null,
    state: 'open',
    tier: 'hot',
    outcome: null,
    account: {
      id: 'acct_42',
      name: 'Acme',
      domain: 'acme.com',
      plan: 'free',
      employees: 250,
      industry: 'software',
    },
    score: 56,
    baseScore: 26,
    trigger: trigger(),
    contributions: [
      contribution(),
      contribution({
        id: 'seats',
        layer: 'organizational',
        kind: 'metric',
        points: 10,
        value: 4,
        lastAt: null,
        text: '4 active users in 14 days',
      }),
      contribution({
        id: 'company_size',
        layer: 'organizational',
        kind: 'metric',
        points: 8,
        value: 250,
        lastAt: null,
        text: '250 employees',
      }),
      contribution({
        id: 'active_days',
        layer: 'behavioral',
        kind: 'metric',
        points: 8,
        value: 5,
        lastAt: null,
        text: 'active 5 of the last 14 days',
      }),
    ],
    contacts: [
      { name: 'Kim Lee', title: 'VP Engineering', email: 'kim@acme.com', trigger: true },
      { name: 'Sam Roe', title: null, email: 'sam@acme.com', trigger: false },
    ],
    dossier: {
      activeUsers: 4,
      signedUpAt: Date.parse('2026-10-01T12:00:00Z'),
      activatedAt: Date.parse('2026-10-03T12:00:00Z'),
      trend: 'growing',
      gatedFeatures: ['sso (business)'],
      bestTime: 'Tue–Thu, 14:00–16:00 America/Chicago',
    },
    suggestedRep: 'U0ANA',
    claimedBy: null,
    claimedAt: null,
    contactedAt: null,
    closedAt: null,
    tierSetAt: raised,
    snoozedUntil: null,
    assignedBy: null,
    route: null,
    lapses: [],
    claimDueAt: raised + 15 * MINUTE,
    firstTouchDueAt: raised + 2 * HOUR,
    zone: 'America/New_York',
    now: MONDAY_10AM_NY,
    ...overrides,
  };
}

/** pls's seeded generator's uniform stream, for property-style loops: same seed, same cases. */
export const prng = (seed: number): (() => number) => createRng(seed).next;

/** A hot alert for the SLA report, raised Monday 10:00 New York, claimable for 15 min, nothing done yet. */
export function reportAlert(overrides: Partial<ReportAlert> = {}): ReportAlert {
  const clockStart = overrides.clockStart ?? MONDAY_10AM_NY;
  return {
    play: 'new_business',
    tier: 'hot',
    teamId: 'mid-market',
    openedAt: clockStart,
    clockStart,
    claimDueAt: clockStart + 15 * MINUTE,
    firstTouchDueAt: clockStart + 2 * HOUR,
    suggestedRep: overrides.claimedBy ?? null,
    claimedBy: null,
    assignedBy: null,
    claimedAt: null,
    contactedAt: null,
    state: 'open',
    outcome: null,
    triggerSignal: 'usage_limit_hit',
    escalations: 0,
    escalatedToManagers: overrides.escalations ? overrides.escalations >= 2 : false,
    firstTouchBreached: false,
    lapses: [],
    ...overrides,
  };
}
