/**
 * Synthetic histories with a known answer. Every account is a real team (sessions from three
 * users, 250 employees) that hits a usage limit — an alert. Before that, independently and with
 * probability ½ each, it requests a demo (`demo_requested`: the *driver*) and attends a webinar
 * (`webinar_attended`: *noise*). Whether it then buys depends on the driver alone; the noise
 * signal is scored the same points and tells nothing. Seeded: the same seed, the same history.
 */

import type { LiveAlert, StoredEvent } from '../../../src/db/history.js';
import type { Manifest } from '../../../src/domain/definition.js';
import { createRng } from '../../../src/domain/rng.js';
import { replayHistory } from '../../../src/replay/replay-engine.js';
import { manifestFrom } from '../domain-builders.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2026-06-01 00:00 UTC. */
export const START = Date.UTC(2026, 5, 1);

export const KNOWN_ANSWER_MANIFEST = `
timezone: UTC
scoring:
  half_life: 3d
  tiers: { hot: 70, warm: 40 }
  gates: { behavioral: 5, organizational: 5, intent: 10 }
  signals:
    - { id: sessions, layer: behavioral, event: session_started, points: 2, cap: 10, says: "{count} sessions this week" }
    - { id: usage_limit_hit, layer: intent, event: usage_limit_hit, points: 30, handoff: true, says: "hit the {limit} limit ({used}/{quota})" }
    - { id: demo, layer: intent, event: demo_requested, points: 10, says: "requested a demo" }
    - { id: webinar, layer: intent, event: webinar_attended, points: 10, says: "attended a webinar" }
  metrics:
    - { id: company_size, layer: organizational, metric: employees, steps: [[50, 10]] }
  rules: { cooldown: 14d, back_off: 7d, stale_after: 24h, paid_plans: [team, business] }
routing:
  teams:
    - { id: mid-market, channel: C0MID, match: { employees: { lt: 1000 } } }
    - { id: enterprise, channel: C0ENT }
  reps: [{ id: U0ANA }]
  managers: [U0MGR]
  escalation_channel: C0ESC
`;

export function knownAnswerManifest(patch: Record<string, unknown> = {}): Manifest {
  return manifestFrom(KNOWN_ANSWER_MANIFEST, patch);
}

/**
 * The same manifest weighted the wrong way round: the noise (`webinar`) 25 points, the driver
 * (`demo`) 5. On a history where only the driver's accounts convert, a suggestion that swaps
 * them ranks the held-out alerts better and, in replay, catches every conversion with fewer
 * alerts: a change calibration should recommend.
 */
export const MISWEIGHTED_MANIFEST = KNOWN_ANSWER_MANIFEST.replace(
  'event: demo_requested, points: 10',
  'event: demo_requested, points: 5',
).replace('event: webinar_attended, points: 10', 'event: webinar_attended, points: 25');

export interface Truth {
  driver: boolean;
  noise: boolean;
  converts: boolean;
  /** Converts by buying on its own (a `plan_changed` event) rather than through a rep. */
  selfServe: boolean;
  /** When the limit hit (and so the alert) happens. */
  alertAt: number;
}

export interface KnownAnswerHistory {
  events: StoredEvent[];
  truth: Map<string, Truth>;
  /** A moment after every outcome. */
  end: number;
}

export function knownAnswerHistory(options: {
  seed: number;
  accounts: number;
  /** P(convert | driver), P(convert | no driver). */
  rates?: { driver: number; none: number };
  /** P(driver), P(noise). Default ½ each. */
  presence?: { driver: number; noise: number };
}): KnownAnswerHistory {
  const rng = createRng(options.seed);
  const rates = options.rates ?? { driver: 0.55, none: 0.08 };
  const raw: Omit<StoredEvent, 'seq'>[] = [];
  const truth = new Map<string, Truth>();
  let n = 0;
  const push = (
    accountId: string,
    type: string,
    at: number,
    properties: Record<string, unknown> = {},
    patch: Record<string, unknown> | null = null,
    user = `${accountId}_u0`,
  ) => {
    n++;
    raw.push({
      id: `evt_${options.seed}_${n}`,
      source: 'webhook',
      type,
      accountId,
      userId: user,
      occurredAt: at,
      receivedAt: at + 1000,
      processedAt: at + 1500,
      properties: JSON.stringify(properties),
      accountPatch: patch ? JSON.stringify(patch) : null,
      userPatch: JSON.stringify({ email: `${user}@${accountId}.example` }),
    });
  };

  for (let i = 0; i < options.accounts; i++) {
    const id = `acct_${String(i).padStart(4, '0')}`;
    // Accounts start a few hours apart, spread over ~10 weeks.
    const start = START + i * 3 * HOUR + rng.int(0, 59) * 60_000;
    const driver = rng.chance(options.presence?.driver ?? 0.5);
    const noise = rng.chance(options.presence?.noise ?? 0.5);
    const converts = rng.chance(driver ? rates.driver : rates.none);
    const selfServe = converts && rng.chance(0.3);
    push(id, 'signed_up', start, {}, { name: id, domain: `${id}.example`, plan: 'free', employees: 250 });
    for (let day = 0; day < 5; day++) {
      for (let u = 0; u < 3; u++)
        push(id, 'session_started', start + day * DAY + (u + 1) * HOUR, {}, null, `${id}_u${u}`);
    }
    if (noise) push(id, 'webinar_attended', start + 2 * DAY + 5 * HOUR);
    if (driver) push(id, 'demo_requested', start + 3 * DAY + 5 * HOUR);
    const alertAt = start + 5 * DAY + 2 * HOUR;
    push(id, 'usage_limit_hit', alertAt, { limit: 'API calls', used: 10_000, quota: 10_000 });
    if (selfServe) push(id, 'plan_changed', alertAt + 2 * DAY, { plan: 'team' });
    truth.set(id, { driver, noise, converts, selfServe, alertAt });
  }
  raw.sort((a, b) => a.processedAt! - b.processedAt! || (a.id < b.id ? -1 : 1));
  const events = raw.map((e, i) => ({ ...e, seq: i + 1 }));
  const end = Math.max(...events.map((e) => e.processedAt!)) + 10 * DAY;
  return { events, truth, end };
}

const LOSSES = ['lost', 'no_response', 'not_a_fit'] as const;
const REASONS = ['too_small', 'bad_timing', 'existing_customer'] as const;

/**
 * What live pls would hold after reps worked these alerts: the alerts the manifest raises on the
 * history (a replay with no outcomes known), closed as the truth says — won 5 days after a
 * converting alert, lost / no response / not a fit 4 days after the others; self-serve buyers
 * were closed by their own purchase.
 */
export function liveAlertsFor(manifest: Manifest, history: KnownAnswerHistory): LiveAlert[] {
  const { lanes } = replayHistory({ manifests: [manifest], events: history.events, until: history.end });
  return lanes[0]!.alerts.map((alert, i) => {
    const truth = history.truth.get(alert.accountId)!;
    const base: LiveAlert = {
      id: `al_${String(i).padStart(4, '0')}`,
      accountId: alert.accountId,
      play: alert.play,
      tier: alert.tier,
      teamId: alert.teamId,
      openedAt: alert.openedAt,
      closedAt: alert.closedAt,
      outcome: alert.outcome,
      outcomeDetail: null,
      trigger: alert.trigger,
      openingEventId: alert.openTrigger.eventId,
      openingTrigger: alert.openTrigger,
    };
    if (alert.outcome === 'self_served') return base;
    if (truth.converts) return { ...base, closedAt: alert.openedAt + 5 * DAY, outcome: 'won' };
    const loss = LOSSES[i % LOSSES.length]!;
    return {
      ...base,
      closedAt: alert.openedAt + 4 * DAY,
      outcome: loss,
      outcomeDetail:
        loss === 'not_a_fit' ? { reason: REASONS[Math.floor(i / 3) % REASONS.length], note: null } : null,
    };
  });
}
