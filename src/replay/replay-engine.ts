import type { EventPages, LiveAlert, StoredEvent } from '../db/history.js';
import { type AccountState, emptyAccountState } from '../domain/account-state.js';
import {
  type PlayAlerts,
  type PlayStep,
  rescoreEventId,
  stepAccount,
  tickAccount,
} from '../domain/account-step.js';
import type { Manifest, Play, Scoring } from '../domain/definition.js';
import { type AlertSummary, type AlertTrigger, includesPlan, isPurchase } from '../domain/handoff.js';
import { movesWithTime, NEW_BUSINESS, readPlayState } from '../domain/play.js';
import type { RoutableAccount } from '../domain/routing.js';
import { type Firmographics, type Score, scoreAccount } from '../domain/scoring.js';
import { toUsageEvent, withPlanChange } from '../domain/stored-event.js';
import type { AccountPatch, UsageEvent } from '../domain/usage-event.js';
import { DAY } from '../domain/windows.js';
import { type FeatureSnapshot, featuresAt } from './features.js';

/**
 * Replay: the stored event log re-scored with any manifest on a simulated clock, through the
 * per-event step live scoring calls (`stepAccount`, src/domain/account-step.ts: state, score,
 * decision with tier and team), in the same order (`seq`).
 *
 * **The clock.** Each event is applied at the `now` live scoring applied it at: its
 * `processed_at` (the batch's clock), else (still pending) its `received_at`. Decay, rolling
 * windows, `stale_after`, `cooldown` and `converting_window` therefore see the times they saw
 * live, and a replay of the live manifest makes the live decisions to the millisecond. (A replay
 * on `received_at` alone would differ by the processing lag: a few ms normally, hours after an
 * outage, when live scoring really did see the events late.)
 *
 * **Alerts in memory.** One open alert per account, as live. What closes it:
 * - a `plan_changed` to a paid plan: decided by `decideHandoff` (self-served), as live;
 * - what the reps did, taken from the live `alerts` table. Each replayed alert is matched, when it
 *   opens, to a live alert of the same account, first match wins:
 *     1. `exact`: the live alert opened on the same event (its `opened` audit row names it), or at
 *        the same moment;
 *     2. `open`: a live alert that was open at that moment (a rep was already working the account);
 *     3. `next`: the first live alert opened within `matchWindow` after it (the same conversation,
 *        raised later by the live manifest).
 *   The replayed alert then closes when the live one closed, with its outcome and detail (won,
 *   lost, no_response — and its back-off —, not_a_fit with its reason). A live self-served close
 *   is not copied: the replay closes on the purchase event itself. A live alert still open keeps
 *   the replayed one open.
 * - unmatched (the live manifest never alerted around then, so nobody worked it): it is assumed
 *   worked without a logged outcome and expires `rules.back_off` after it opened, outcome null
 *   (cooldown still counts from its opening; no back-off penalty).
 * Closes are applied lazily, before the account's next event: decisions for an account depend
 * only on that account's alerts.
 *
 * Several manifests replay in one pass (lanes): each row is read and parsed once. Firmographics
 * are shared (they do not depend on the manifest); account states and alerts are per lane.
 *
 * **Speed.** Replay asks the step for the decision only (`decisionOnly`): the step then skips
 * the full score where the decision cannot read it, an early exit inside the one implementation.
 * On the replay benchmark (bench/replay-benchmark.ts) it is about three times as fast as
 * scoring every event in full; `exhaustive: true` does that, and tests hold the two to the same
 * result.
 */

export interface ReplayAlert {
  /** `r<lane>_<n>`, stable for a given history and manifest. */
  id: string;
  accountId: string;
  /** The play that raised it. */
  play: string;
  openedAt: number;
  /** Tier at opening; `tier` is the tier after any upgrade in place. */
  openTier: 'hot' | 'warm';
  tier: 'hot' | 'warm';
  teamId: string;
  /** The trigger the alert opened with. */
  openTrigger: AlertTrigger;
  /** The current trigger (an upgrade replaces it, as live). */
  trigger: AlertTrigger;
  upgradedAt: number | null;
  /** Score right after the opening event. */
  score: number;
  closedAt: number | null;
  outcome: string | null;
  outcomeDetail: Record<string, unknown> | null;
  /** What closed it: the purchase event, the matched live alert, or expiry (unmatched). */
  closedBy: 'self_served' | 'live' | 'expired' | null;
  live: { alertId: string; match: 'exact' | 'open' | 'next' } | null;
  /** Features right after the opening event (src/replay/features.ts). */
  features: FeatureSnapshot;
}

/** `plan_changed` to a paid plan from a plan that was not paid (or unknown): the account bought. */
export interface Purchase {
  accountId: string;
  at: number;
  eventId: string;
  plan: string;
  fromPlan: string | null;
  /**
   * Highest score the replay computed for the account while it passed every gate, over
   * `purchaseLookback` before buying (day resolution), and at least its score when it bought.
   * (Moments a rule of engagement blocked whatever the score are not scored: see "Speed".)
   */
  peakScore: number;
  features: FeatureSnapshot;
}

export interface EventSnapshot {
  accountId: string;
  at: number;
  features: FeatureSnapshot;
}

export interface ReplayLaneResult {
  manifest: Manifest;
  alerts: ReplayAlert[];
  purchases: Purchase[];
  /** The play's features right after each moment `snapshots` asked for, by `snapshotKey`. */
  snapshots: Map<string, EventSnapshot>;
}

/** Snapshots of `play`'s features at `keys` (`snapshotKey`: an account and an event or a daily re-score). */
export interface SnapshotRequest {
  play: string;
  keys: ReadonlySet<string>;
}

/** An account at one moment: after an event, or at a daily re-score (its pseudo-event's id). */
export function snapshotKey(accountId: string, eventId: string): string {
  return `${accountId}\u0000${eventId}`;
}

export interface ReplayResult {
  lanes: ReplayLaneResult[];
  events: number;
  /** Events with an account (the ones scored). */
  scored: number;
  accounts: number;
  firstClock: number | null;
  lastClock: number | null;
}

export interface ReplayOptions extends ReplaySettings {
  events: Iterable<StoredEvent>;
}

/** Everything a replay needs but the events. */
export interface ReplaySettings {
  manifests: readonly Manifest[];
  /** The live `alerts` table (any order); [] = no rep outcomes known. */
  liveAlerts?: readonly LiveAlert[];
  /** Rule 3 of the matching above. Default 7 days. */
  matchWindow?: number;
  /** How far back a purchase's peak score looks. Default 30 days. */
  purchaseLookback?: number;
  /**
   * Moments after which to keep a feature snapshot of one play (calibration: the events and daily
   * re-scores live alerts of that play opened on), by `snapshotKey`.
   */
  snapshots?: SnapshotRequest;
  /** The report's "now": unmatched alerts whose expiry falls after it stay open. Default: the last event's clock. */
  until?: number;
  /**
   * Score every event twice in full and take every decision, exactly as live processing does,
   * instead of scoring only what each decision reads. Slower; the reference the fast path is
   * tested against.
   */
  exhaustive?: boolean;
  /** Told the events read so far, every `PROGRESS_EVERY` events and once at the end (the terminal's progress line). */
  onProgress?: (events: number) => void;
}

/** How often `onProgress` hears: rare enough to cost nothing, often enough for a 4 Hz line. */
const PROGRESS_EVERY = 2048;

/** The account fields events upsert (`accounts` table), kept per account across lanes. */
interface Firm {
  name: string | null;
  domain: string | null;
  plan: string | null;
  employees: number | null;
  industry: string | null;
  country: string | null;
  timezone: string | null;
  owner: string | null;
}

interface OpenAlert {
  alert: ReplayAlert;
  /** Scheduled close (from the matched live alert, or expiry); null = stays open. */
  closeAt: number | null;
  closeOutcome: string | null;
  closeDetail: Record<string, unknown> | null;
  closeBy: 'live' | 'expired';
}

interface Lane {
  manifest: Manifest;
  scoring: Scoring;
  index: number;
  states: Map<string, AccountState>;
  /** By `alertKey` (account and play), as live keeps one open alert per account and play. */
  open: Map<string, OpenAlert>;
  last: Map<string, ReplayAlert>;
  alerts: ReplayAlert[];
  purchases: Purchase[];
  snapshots: Map<string, EventSnapshot>;
  /** Per account: day index → highest score that day (the last `purchaseLookback` days). */
  peaks: Map<string, Map<number, number>>;
  /** Per account: the tier of the last exact score and when; absent when the last event skipped scoring. */
  known: Map<string, { at: number; tier: Score['tier'] }>;
}

export function replayHistory(options: ReplayOptions): ReplayResult {
  const run = startReplay(options);
  for (const row of options.events) run.feed(row);
  return run.finish();
}

/** `replayHistory` over a history read a page at a time. */
export async function replayPages(options: ReplaySettings, pages: EventPages): Promise<ReplayResult> {
  const run = startReplay(options);
  for await (const page of pages) for (const row of page) run.feed(row);
  return run.finish();
}

/** A replay fed one event at a time, in the order live scoring applied them; `finish` once. */
export interface ReplayRun {
  feed(row: StoredEvent): void;
  finish(): ReplayResult;
}

export function startReplay(options: ReplaySettings): ReplayRun {
  const matchWindow = options.matchWindow ?? 7 * DAY;
  const lookback = options.purchaseLookback ?? 30 * DAY;
  const wanted = options.snapshots ?? null;
  const live = indexLiveAlerts(options.liveAlerts ?? []);
  const lanes: Lane[] = options.manifests.map((manifest, index) => ({
    manifest,
    scoring: manifest.scoring,
    index,
    states: new Map(),
    open: new Map(),
    last: new Map(),
    alerts: [],
    purchases: [],
    snapshots: new Map(),
    peaks: new Map(),
    known: new Map(),
  }));
  const ctx: Context = { live, matchWindow, lookback, wanted, exhaustive: options.exhaustive ?? false };
  const firms = new Map<string, Firm>();
  let events = 0;
  let scored = 0;
  let firstClock: number | null = null;
  let lastClock: number | null = null;

  const planChangedAt = new Map<string, number>();
  const onProgress = options.onProgress;
  /** The last day re-scored (plays whose score moves with time): live re-scores each day before its events. */
  let tickedDay: number | null = null;
  const feed = (row: StoredEvent): void => {
    events++;
    if (onProgress && events % PROGRESS_EVERY === 0) onProgress(events);
    const now = row.processedAt ?? row.receivedAt;
    const today = Math.floor(now / DAY);
    tickedDay ??= today;
    while (tickedDay < today) {
      tickedDay++;
      for (const lane of lanes) tickLane(lane, tickedDay * DAY, firms, ctx);
    }
    const accountId = row.accountId;
    if (accountId === null) return; // live: upserts the person, scores nothing
    scored++;
    firstClock ??= now;
    lastClock = now;
    const event = toUsageEvent(row);

    let firm = firms.get(accountId);
    const isNew = firm === undefined;
    if (!firm) {
      firm = { ...EMPTY_FIRM };
      firms.set(accountId, firm);
    }
    const previous: Firmographics = firmographics(firm);
    // As live: a plan change older than the newest applied one does not move the plan.
    const planAt = planChangedAt.get(accountId) ?? null;
    upsertFirm(firm, withPlanChange(event, planAt));
    if (event.type === 'plan_changed') {
      const at = Math.min(event.occurredAt, now);
      planChangedAt.set(accountId, Math.max(planAt ?? at, at));
    }
    const step: Step = {
      row,
      event,
      accountId,
      now,
      firm,
      previous: isNew ? null : previous,
      current: firmographics(firm),
      lateness: row.receivedAt - event.occurredAt,
    };
    for (const lane of lanes) applyStep(lane, step, ctx);
  };

  let finished = false;
  const finish = (): ReplayResult => {
    if (finished) throw new Error('a replay finishes once');
    finished = true;
    onProgress?.(events);
    // Closes that fell due after the account's last event: a rep's outcome (always in the past),
    // an expiry up to `until`.
    const until = options.until ?? lastClock ?? Number.NEGATIVE_INFINITY;
    // Days after the last event were re-scored too (live's sweep starts the day's re-score with
    // or without events), up to the report's "now".
    if (tickedDay !== null && Number.isFinite(until)) {
      while (tickedDay < Math.floor(until / DAY)) {
        tickedDay++;
        for (const lane of lanes) tickLane(lane, tickedDay * DAY, firms, ctx);
      }
    }
    for (const lane of lanes) {
      for (const [key, open] of [...lane.open]) {
        closeDueAt(lane, key, open.closeBy === 'live' ? Number.POSITIVE_INFINITY : until);
      }
    }
    return {
      lanes: lanes.map((lane) => ({
        manifest: lane.manifest,
        alerts: lane.alerts,
        purchases: lane.purchases,
        snapshots: lane.snapshots,
      })),
      events,
      scored,
      accounts: firms.size,
      firstClock,
      lastClock,
    };
  };
  return {
    feed(row) {
      if (finished) throw new Error('a finished replay takes no more events');
      feed(row);
    },
    finish,
  };
}

/** One event, as every lane sees it. */
interface Step {
  row: StoredEvent;
  event: UsageEvent;
  accountId: string;
  now: number;
  firm: Firm;
  /** Firmographics before this event's patch; null for an account's first event. */
  previous: Firmographics | null;
  current: Firmographics;
  lateness: number;
}

interface Context {
  live: LiveIndex;
  matchWindow: number;
  lookback: number;
  wanted: SnapshotRequest | null;
  exhaustive: boolean;
}

/** One event through one lane: process-events.ts's `processOne`, with the alert model in memory. */
function applyStep(lane: Lane, step: Step, ctx: Context): void {
  const { scoring } = lane;
  const { event, accountId, now } = step;
  const { plays } = lane.manifest;
  closeDue(lane, accountId, plays, now);
  let state = lane.states.get(accountId);
  if (!state) {
    state = emptyAccountState();
    lane.states.set(accountId, state);
  }
  const stepped = stepAccount({
    event,
    receivedAt: step.row.receivedAt,
    state,
    previous: step.previous,
    account: routable(step.firm),
    plays,
    alertsOf: (play) => alertsOfLane(lane, accountId, play),
    now,
    decisionOnly: !ctx.exhaustive,
  });
  const newBusiness = stepped.plays[0]!;
  const { numbers } = newBusiness;
  let after = newBusiness.after;
  if (ctx.lookback > 0 && numbers && numbers.tier !== 'cold') {
    trackPeak(lane, accountId, now, numbers.total, ctx.lookback);
  }
  applyDecisions(lane, accountId, state, stepped.plays, now, ctx);

  const exact = () => {
    after ??= scoreAccount(state!, step.current, lane.scoring, now);
    return after;
  };
  const purchase = isPurchase(event, scoring.rules);
  if (purchase && !isPaid(scoring, step.previous?.plan ?? null)) {
    const score = exact();
    lane.purchases.push({
      accountId,
      at: now,
      eventId: event.id,
      plan: step.firm.plan!,
      fromPlan: step.previous?.plan ?? null,
      peakScore: Math.max(score.total, peakOf(lane, accountId, now, ctx.lookback)),
      features: featuresAt(state, score, scoring, now),
    });
  }
  const key = ctx.wanted && snapshotKey(accountId, event.id);
  if (key && ctx.wanted!.keys.has(key)) {
    const { play, after: playAfter } = stepped.plays.find((s) => s.play.id === ctx.wanted!.play)!;
    const features =
      play.id === NEW_BUSINESS
        ? featuresAt(state, exact(), scoring, now)
        : playFeatures(state, play, playAfter, step.current, now);
    lane.snapshots.set(key, { accountId, at: now, features });
  }
}

/** The alerts the plays' decisions open, upgrade or close, in the lane's model. */
function applyDecisions(
  lane: Lane,
  accountId: string,
  state: AccountState,
  steps: readonly PlayStep[],
  now: number,
  ctx: Context,
): void {
  for (const { play, decision, after: playAfter } of steps) {
    if (decision.kind === 'none') continue;
    const key = alertKey(accountId, play.id);
    const open = lane.open.get(key) ?? null;
    switch (decision.kind) {
      case 'open': {
        const alert: ReplayAlert = {
          id: `r${lane.index}_${lane.alerts.length + 1}`,
          accountId,
          play: play.id,
          openedAt: now,
          openTier: decision.tier,
          tier: decision.tier,
          teamId: decision.team.id,
          openTrigger: decision.trigger,
          trigger: decision.trigger,
          upgradedAt: null,
          score: playAfter!.total,
          closedAt: null,
          outcome: null,
          outcomeDetail: null,
          closedBy: null,
          live: null,
          features: featuresAt(readPlayState(state, play.id), playAfter!, play.scoring, now),
        };
        lane.alerts.push(alert);
        lane.last.set(key, alert);
        lane.open.set(key, schedule(alert, ctx.live, ctx.matchWindow, play.scoring.rules.back_off));
        break;
      }
      case 'upgrade': {
        const alert = open!.alert;
        alert.tier = 'hot';
        alert.trigger = decision.trigger;
        alert.upgradedAt = now;
        break;
      }
      case 'self_served': {
        const alert = open!.alert;
        alert.closedAt = now;
        alert.outcome = 'self_served';
        alert.closedBy = 'self_served';
        lane.open.delete(key);
        break;
      }
      default:
        break;
    }
  }
}

/**
 * The day's re-score of the plays whose score moves with time, as live runs it before the day's
 * first events (src/services/process-events.ts, `tickIfDue`): every account scored as of `at`.
 */
function tickLane(lane: Lane, at: number, firms: ReadonlyMap<string, Firm>, ctx: Context): void {
  const plays = lane.manifest.plays.filter(movesWithTime);
  if (plays.length === 0) return;
  for (const [accountId, state] of lane.states) {
    const firm = firms.get(accountId);
    if (!firm) continue;
    closeDue(lane, accountId, lane.manifest.plays, at);
    const steps = tickAccount({
      state,
      account: routable(firm),
      plays,
      alertsOf: (play) => alertsOfLane(lane, accountId, play),
      at,
    });
    applyDecisions(lane, accountId, state, steps, at, ctx);
    // Calibration's snapshot of a re-score that opened a live alert of its play.
    const ticked = ctx.wanted && steps.find((s) => s.play.id === ctx.wanted!.play);
    const key = ticked && snapshotKey(accountId, rescoreEventId(at));
    if (ticked && key && ctx.wanted!.keys.has(key)) {
      lane.snapshots.set(key, {
        accountId,
        at,
        features: playFeatures(state, ticked.play, ticked.after, routable(firm), at),
      });
    }
  }
}

/** A play's features of an account (its own signals), from the score the step computed when it did. */
function playFeatures(
  state: AccountState,
  play: Play,
  after: Score | null,
  firm: Firmographics,
  now: number,
): FeatureSnapshot {
  const own = readPlayState(state, play.id);
  return featuresAt(own, after ?? scoreAccount(state, firm, play.scoring, now, own), play.scoring, now);
}

function alertsOfLane(lane: Lane, accountId: string, play: string): PlayAlerts {
  const open = lane.open.get(alertKey(accountId, play)) ?? null;
  const last = open ? open.alert : (lane.last.get(alertKey(accountId, play)) ?? null);
  return { openAlert: open && summary(open.alert), lastAlert: last && summary(last) };
}

// ─── Alert model ─────────────────────────────────────────────────────────────────────────

interface LiveIndex {
  /** By `alertKey`: a replayed alert matches a live one of its own play. */
  byAccount: Map<string, LiveAlert[]>;
}

/** An account's alerts of one play: the key of the lanes' open and last alerts and of live ones. */
function alertKey(accountId: string, play: string): string {
  return `${accountId}\u0000${play}`;
}

function indexLiveAlerts(alerts: readonly LiveAlert[]): LiveIndex {
  const byAccount = new Map<string, LiveAlert[]>();
  for (const alert of alerts) {
    const key = alertKey(alert.accountId, alert.play);
    const list = byAccount.get(key);
    if (list) list.push(alert);
    else byAccount.set(key, [alert]);
  }
  for (const list of byAccount.values()) list.sort((a, b) => a.openedAt - b.openedAt);
  return { byAccount };
}

/** Matches a newly opened replayed alert to a live one and schedules its close (see the module comment). */
function schedule(alert: ReplayAlert, live: LiveIndex, matchWindow: number, backOff: number): OpenAlert {
  const candidates = live.byAccount.get(alertKey(alert.accountId, alert.play)) ?? [];
  const at = alert.openedAt;
  const eventId = alert.openTrigger.eventId;
  let match: LiveAlert | undefined;
  let kind: 'exact' | 'open' | 'next' = 'exact';
  match = candidates.find(
    (l) => l.openingEventId === eventId || (l.openingEventId === null && l.openedAt === at),
  );
  if (!match) {
    kind = 'open';
    match = candidates.find((l) => l.openedAt <= at && (l.closedAt === null || l.closedAt > at));
  }
  if (!match) {
    kind = 'next';
    match = candidates.find((l) => l.openedAt > at && l.openedAt <= at + matchWindow);
  }
  if (!match) {
    return { alert, closeAt: at + backOff, closeOutcome: null, closeDetail: null, closeBy: 'expired' };
  }
  alert.live = { alertId: match.id, match: kind };
  const copies = match.closedAt !== null && match.outcome !== null && match.outcome !== 'self_served';
  return {
    alert,
    closeAt: copies ? Math.max(match.closedAt!, at) : null,
    closeOutcome: copies ? match.outcome : null,
    closeDetail: copies ? match.outcomeDetail : null,
    closeBy: 'live',
  };
}

/** Closes the account's alerts, of every play, whose close fell due by `now`. */
function closeDue(lane: Lane, accountId: string, plays: readonly Play[], now: number): void {
  for (const play of plays) closeDueAt(lane, alertKey(accountId, play.id), now);
}

function closeDueAt(lane: Lane, key: string, now: number): void {
  const open = lane.open.get(key);
  if (!open || open.closeAt === null || open.closeAt > now) return;
  const { alert } = open;
  alert.closedAt = open.closeAt;
  alert.outcome = open.closeOutcome;
  alert.outcomeDetail = open.closeDetail;
  alert.closedBy = open.closeBy;
  lane.open.delete(key);
}

function summary(alert: ReplayAlert): AlertSummary {
  return {
    state: alert.closedAt === null ? 'open' : 'closed',
    tier: alert.tier,
    openedAt: alert.openedAt,
    closedAt: alert.closedAt,
    outcome: alert.outcome,
  };
}

// ─── Purchases ───────────────────────────────────────────────────────────────────────────

function isPaid(scoring: Scoring, plan: string | null): boolean {
  return plan !== null && includesPlan(scoring.rules.paid_plans, plan);
}

function trackPeak(lane: Lane, accountId: string, now: number, score: number, lookback: number): void {
  let days = lane.peaks.get(accountId);
  if (!days) {
    days = new Map();
    lane.peaks.set(accountId, days);
  }
  const day = Math.floor(now / DAY);
  const current = days.get(day);
  if (current === undefined) {
    const oldest = day - Math.ceil(lookback / DAY);
    for (const d of days.keys()) if (d < oldest) days.delete(d);
    days.set(day, score);
  } else if (score > current) {
    days.set(day, score);
  }
}

function peakOf(lane: Lane, accountId: string, now: number, lookback: number): number {
  const oldest = Math.floor((now - lookback) / DAY);
  let peak = 0;
  for (const [day, score] of lane.peaks.get(accountId) ?? []) if (day >= oldest && score > peak) peak = score;
  return peak;
}

// ─── Rows → domain (as src/services/process-events.ts does it) ───────────────────────────

const EMPTY_FIRM: Readonly<Firm> = {
  name: null,
  domain: null,
  plan: null,
  employees: null,
  industry: null,
  country: null,
  timezone: null,
  owner: null,
};

/** The accounts repo's upsert: only the fields the patch carries change (`coalesce(excluded.x, x)`). */
function upsertFirm(firm: Firm, patch: AccountPatch | null): void {
  if (!patch) return;
  for (const key of Object.keys(firm) as (keyof Firm)[]) {
    const value = patch[key];
    if (value !== undefined && value !== null) (firm as unknown as Record<string, unknown>)[key] = value;
  }
}

function firmographics(firm: Firm): Firmographics {
  return { employees: firm.employees, domain: firm.domain, plan: firm.plan };
}

function routable(firm: Firm): RoutableAccount {
  return {
    employees: firm.employees,
    country: firm.country,
    industry: firm.industry,
    plan: firm.plan,
    domain: firm.domain,
    owner: firm.owner,
  };
}
