import type { Signal, Tier } from './definition.js';
import { isFreeMailDomain } from './free-mail.js';
import { matchesConditions } from './match.js';
import type { UsageEvent } from './usage-event.js';
import { emailDomain } from './usage-event.js';
import {
  addToBuckets,
  type Buckets,
  DAY,
  daysWithin,
  emptyNameMap,
  HOUR,
  type NameMap,
  nameMapOf,
  pruneBuckets,
  sumWithin,
  touchLastSeen,
} from './windows.js';

/**
 * Everything pls knows about an account's behaviour, kept incrementally: each event updates it
 * in O(1) amortised, and the score is a function of (state, firmographics, manifest, now).
 * Stored as JSON on the account row; every collection in it is bounded by age and size. Maps
 * keyed by names from events (or the manifest) are `NameMap`s, without a prototype: made so by
 * `emptyAccountState` and again by `restoreAccountState` when read back from the database.
 */
export interface AccountState extends PlayState {
  v: 1;
  /**
   * Every play but new business: its own signals and arming (new business keeps its own at the
   * top level, where they were before plays). The windows below are shared: updated once per event.
   */
  plays?: NameMap<PlayState>;
  /** UTC day indexes with product activity (last 30 days). */
  activeDays: number[];
  /** Product user id → last activity (last 14 days, at most 500). */
  activeUsers: NameMap<number>;
  /**
   * Product user id → `[day, days]`: the UTC day index of their latest activity, and a bitmap of
   * their active days over 28 (bit i = active on `day − i`), at most 500 users: who was active in
   * the last 14 days and in the 14 before (`active_users_change_28d`). Absent on states written
   * before falling metrics (migration 0020 rebuilds it from the stored events).
   */
  userDays?: NameMap<[day: number, days: number]>;
  sessions: Buckets;
  /** Daily session counts over 28 days (`sessions_change_28d`). */
  sessionDays?: Buckets;
  features: NameMap<number>;
  integrations: string[];
  invites: Buckets;
  inviteDomains: string[];
  pricingViews: Buckets;
  limits: NameMap<{ used: number; quota: number; at: number }>;
  /** UTC day indexes with a usage reading at or past `PRESSURE_RATIO` of its quota (last 14 days). */
  pressureDays?: number[];
  /** Premium features attempted: the plan each needs, when last tried. */
  gatedFeatures: NameMap<{ plan: string | null; at: number }>;
  /** Daily product events over 28 days: the usage trend. */
  dailyEvents: Buckets;
  /** Sessions by UTC hour of the week (0 = Monday 00:00 UTC): when the account is usually active. */
  hourOfWeek: number[];
  firstEmailDomain: string | null;
  /** The company's own domain, as its events last sent it: an invite to it is not a new domain. */
  companyDomain?: string | null;
  signedUpAt: number | null;
  activatedAt: number | null;
  upgradeStartedAt: number | null;
  /** When the newest applied `plan_changed` happened: an older one arriving late must not win. */
  planChangedAt?: number | null;
  lastEventAt: number | null;
}

/** What each play keeps of its own: its signals' points and hits, and whether it is armed. */
export interface PlayState {
  /** Per signal of the play: decayed points as of `at`, hourly hit counts, and the last hit. */
  signals: NameMap<SignalState>;
  /** Set when a crossing into hot was lost only to stale data: the next fresh activity alerts. */
  armed?: Armed | null;
  /**
   * A play whose metrics move with time (falling usage): the tier it found when it last scored
   * the account, at an event or the daily re-score. A crossing is measured from it, so one that
   * happened between events (time passing) is still a crossing.
   */
  tier?: Tier | null;
}

/** A hot moment suppressed because its data arrived stale (src/domain/account-step.ts). */
export interface Armed {
  /** When the moment happened (the stale event's time). */
  at: number;
  /** The moment in words; null when not known (accounts armed by migration 0010). */
  text: string | null;
  signalId: string | null;
}

export interface SignalState {
  /** Sum of decayed points (before the cap) as of `at`. */
  sum: number;
  at: number;
  /** Hits ever (for a handoff counted over no window). */
  total: number;
  hits: Buckets;
  last: { at: number; eventId: string; userId: string | null; props: Record<string, unknown> };
}

/** Event types that describe the account rather than product use. */
/** `daily_rescore`: the re-score of plays that move with time (src/domain/account-step.ts), not an event. */
const NOT_ACTIVITY = new Set(['identify', 'group', 'plan_changed', 'daily_rescore']);

/** Whether an event type is product activity (what fires an armed account), not account bookkeeping. */
export function isActivity(type: string): boolean {
  return !NOT_ACTIVITY.has(type);
}
const MAX_USERS = 500;
/** A usage reading this close to its quota is pressure: "the expansion sweet spot" starts at 80 %. */
export const PRESSURE_RATIO = 0.8;
const MAX_LIST = 100;

export function emptyAccountState(): AccountState {
  return {
    v: 1,
    signals: emptyNameMap(),
    activeDays: [],
    activeUsers: emptyNameMap(),
    userDays: emptyNameMap(),
    sessions: {},
    sessionDays: {},
    features: emptyNameMap(),
    integrations: [],
    invites: {},
    inviteDomains: [],
    pricingViews: {},
    limits: emptyNameMap(),
    gatedFeatures: emptyNameMap(),
    dailyEvents: {},
    hourOfWeek: new Array(168).fill(0),
    firstEmailDomain: null,
    companyDomain: null,
    signedUpAt: null,
    activatedAt: null,
    upgradeStartedAt: null,
    planChangedAt: null,
    lastEventAt: null,
  };
}

/**
 * The state as stored on the account row (parsed JSON, or null before the first scored event),
 * with its name maps rebuilt without a prototype: JSON.parse gives plain objects, on which the
 * next event named `constructor` or `__proto__` would be lost (see `NameMap`).
 */
export function restoreAccountState(json: unknown): AccountState {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return emptyAccountState();
  const stored = json as AccountState;
  return {
    ...stored,
    signals: nameMapOf(stored.signals),
    ...(stored.plays ? { plays: restorePlays(stored.plays) } : {}),
    activeUsers: nameMapOf(stored.activeUsers),
    ...(stored.userDays ? { userDays: nameMapOf(stored.userDays) } : {}),
    features: nameMapOf(stored.features),
    limits: nameMapOf(stored.limits),
    gatedFeatures: nameMapOf(stored.gatedFeatures),
  };
}

function restorePlays(plays: NameMap<PlayState>): NameMap<PlayState> {
  const restored = emptyNameMap<PlayState>();
  for (const [id, play] of Object.entries(plays))
    restored[id] = { ...play, signals: nameMapOf(play.signals) };
  return restored;
}

export interface SignalHit {
  signal: Signal;
  /** Hits of this signal inside its handoff window (or 7 days), including this one. */
  count: number;
  /** The event's properties plus what pls derives from them (see `derivedProperties`). */
  props: Record<string, unknown>;
}

/**
 * Properties pls derives for signals to match and quote. `teammate_invited` gains
 * `invitee_domain` and `new_domain` — true when the invitee's company domain is neither a
 * free-mail provider, nor the company's own domain, nor one the account has used before — so a
 * manifest can make "an invite from a new email domain" (an intent moment: the product spreading
 * to another team or company) a handoff signal with `where: { new_domain: { eq: true } }`.
 * `usage_limit_approached` and `usage_limit_hit` gain `ratio` (used ÷ quota). Read before the
 * event is recorded.
 */
function derivedProperties(state: AccountState, event: UsageEvent): Record<string, unknown> {
  if (event.type === 'usage_limit_approached' || event.type === 'usage_limit_hit')
    return withRatio(event.properties);
  if (event.type !== 'teammate_invited') return event.properties;
  const domain = emailDomain(stringProp(event.properties.invitee_email));
  if (!domain) return { ...event.properties, new_domain: false };
  const company = event.account?.domain ?? state.companyDomain;
  const known =
    domain === company || domain === state.firstEmailDomain || state.inviteDomains.includes(domain);
  return { ...event.properties, invitee_domain: domain, new_domain: !known && !isFreeMailDomain(domain) };
}

/** A usage reading gains `ratio` (used ÷ quota), so a signal can ask for readings past 80 %. */
function withRatio(properties: Record<string, unknown>): Record<string, unknown> {
  const used = Number(properties.used);
  const quota = Number(properties.quota);
  if (!Number.isFinite(used) || !Number.isFinite(quota) || quota <= 0) return properties;
  return { ...properties, ratio: used / quota };
}

/**
 * Folds one event into the state (mutating `state`, which the caller owns) and returns the
 * manifest signals it matched: `recordEvent`, then `applySignals` to new business's own state.
 */
export function applyEvent(
  state: AccountState,
  event: UsageEvent,
  signals: readonly Signal[],
  halfLife: number,
  now: number,
): SignalHit[] {
  const props = recordEvent(state, event, now);
  return applySignals(state, event, props, signals, halfLife, now);
}

/**
 * Folds one event into the account's shared windows, once whatever the number of plays, and
 * returns its properties as signals match them (`derivedProperties`, read before the event is
 * recorded). `now` bounds the event time: a clock-skewed future event counts as happening now,
 * so it can never be worth more than its points.
 */
export function recordEvent(state: AccountState, event: UsageEvent, now: number): Record<string, unknown> {
  const at = Math.min(event.occurredAt, now);
  const props = derivedProperties(state, event);
  state.lastEventAt = Math.max(state.lastEventAt ?? 0, at);
  if (event.account?.domain) state.companyDomain = event.account.domain;

  if (!NOT_ACTIVITY.has(event.type)) recordActivity(state, event, at);
  recordVocabulary(state, event.type, props, at, now);
  return props;
}

/** Scores one recorded event (`recordEvent`'s `props`) into one play's signals and returns those it matched. */
export function applySignals(
  own: PlayState,
  event: UsageEvent,
  props: Record<string, unknown>,
  signals: readonly Signal[],
  halfLife: number,
  now: number,
): SignalHit[] {
  const at = Math.min(event.occurredAt, now);
  const hits: SignalHit[] = [];
  for (const signal of signals) {
    if (signal.event !== event.type) continue;
    if (signal.where && !matchesConditions(props, signal.where)) continue;
    own.signals[signal.id] ??= {
      sum: 0,
      at,
      total: 0,
      hits: {},
      last: { at, eventId: event.id, userId: event.userId, props: {} },
    };
    const entry = own.signals[signal.id]!;
    addDecayed(entry, signal.points, at, halfLife);
    addToBuckets(entry.hits, at, HOUR);
    entry.total++;
    const window = countWindow(signal);
    pruneBuckets(entry.hits, now, Math.max(window, 7 * DAY), HOUR);
    if (at >= entry.last.at) {
      entry.last = {
        at,
        eventId: event.id,
        userId: event.userId,
        props: pickTemplateProps(signal.says, props),
      };
    }
    const count =
      signal.handoff && signal.handoff.within === null ? entry.total : windowCount(signal, entry, now);
    hits.push({ signal, count, props });
  }
  return hits;
}

/**
 * The signal's `{count}` over its window: hits, or with `handoff.distinct: day` the days with a
 * hit ("close to the limit on 3 days in two weeks").
 */
export function windowCount(signal: Signal, entry: SignalState, now: number): number {
  const window = countWindow(signal);
  return signal.handoff?.distinct === 'day'
    ? daysWithin(entry.hits, now, window)
    : sumWithin(entry.hits, now, window, HOUR);
}

/** The window a signal's `{count}` and count-based handoff look at. */
export function countWindow(signal: Signal): number {
  return signal.handoff?.within ?? 7 * DAY;
}

/** Exponential decay: each point halves every `halfLife`. Out-of-order events decay to the reference time. */
function addDecayed(entry: SignalState, points: number, at: number, halfLife: number): void {
  if (at >= entry.at) {
    entry.sum = entry.sum * decay(at - entry.at, halfLife) + points;
    entry.at = at;
  } else {
    entry.sum += points * decay(entry.at - at, halfLife);
  }
}

export function decay(elapsed: number, halfLife: number): number {
  if (halfLife <= 0) return elapsed > 0 ? 0 : 1;
  return 2 ** (-Math.max(0, elapsed) / halfLife);
}

function recordActivity(state: AccountState, event: UsageEvent, at: number): void {
  const day = Math.floor(at / DAY);
  if (!state.activeDays.includes(day)) {
    state.activeDays.push(day);
    state.activeDays.sort((a, b) => a - b);
    const cutoff = Math.floor(state.lastEventAt! / DAY) - 30;
    state.activeDays = state.activeDays.filter((d) => d > cutoff);
  }
  if (event.userId) {
    touchLastSeen(state.activeUsers, event.userId, at, 14 * DAY, MAX_USERS);
    recordUserDay(state, event.userId, day);
  }
  addToBuckets(state.dailyEvents, at, DAY);
  pruneBuckets(state.dailyEvents, state.lastEventAt!, 28 * DAY, DAY);
  const domain = emailDomain(event.user?.email);
  if (domain && !state.firstEmailDomain) state.firstEmailDomain = domain;
}

/** What the engine keeps for the manifest's metrics and the alert's dossier, by event type. */
function recordVocabulary(
  state: AccountState,
  type: string,
  props: Record<string, unknown>,
  at: number,
  now: number,
): void {
  switch (type) {
    case 'signed_up':
      state.signedUpAt = Math.min(state.signedUpAt ?? at, at);
      break;
    case 'activation_milestone':
      state.activatedAt = Math.min(state.activatedAt ?? at, at);
      break;
    case 'session_started': {
      addToBuckets(state.sessions, at, HOUR);
      pruneBuckets(state.sessions, now, 7 * DAY, HOUR);
      state.sessionDays ??= {};
      addToBuckets(state.sessionDays, at, DAY);
      pruneBuckets(state.sessionDays, now, USER_DAYS * DAY, DAY);
      const hourOfWeek = Math.floor(((at / HOUR) % 168) + 72) % 168; // epoch was a Thursday 00:00 UTC
      state.hourOfWeek[hourOfWeek] = (state.hourOfWeek[hourOfWeek] ?? 0) + 1;
      break;
    }
    case 'feature_used': {
      const feature = stringProp(props.feature);
      if (feature) touchLastSeen(state.features, feature, at, 30 * DAY, MAX_LIST);
      break;
    }
    case 'integration_connected': {
      const integration = stringProp(props.integration);
      if (integration && !state.integrations.includes(integration) && state.integrations.length < MAX_LIST) {
        state.integrations.push(integration);
      }
      break;
    }
    case 'teammate_invited': {
      addToBuckets(state.invites, at, DAY);
      pruneBuckets(state.invites, now, 30 * DAY, DAY);
      const domain = emailDomain(stringProp(props.invitee_email));
      if (domain && !state.inviteDomains.includes(domain) && state.inviteDomains.length < MAX_LIST) {
        state.inviteDomains.push(domain);
      }
      break;
    }
    case 'pricing_page_viewed':
      addToBuckets(state.pricingViews, at, HOUR);
      pruneBuckets(state.pricingViews, now, 7 * DAY, HOUR);
      break;
    case 'usage_limit_approached':
    case 'usage_limit_hit': {
      const limit = stringProp(props.limit) ?? 'usage';
      const used = Number(props.used);
      const quota = Number(props.quota);
      if (Number.isFinite(used) && Number.isFinite(quota) && quota > 0) {
        const previous = state.limits[limit];
        if (!previous || previous.at <= at) state.limits[limit] = { used, quota, at };
        if (used / quota >= PRESSURE_RATIO) recordPressureDay(state, at, now);
      }
      break;
    }
    case 'premium_feature_attempted': {
      const feature = stringProp(props.feature);
      if (feature && (Object.keys(state.gatedFeatures).length < MAX_LIST || state.gatedFeatures[feature])) {
        state.gatedFeatures[feature] = { plan: stringProp(props.plan), at };
      }
      break;
    }
    case 'plan_changed':
      state.planChangedAt = Math.max(state.planChangedAt ?? at, at);
      break;
    case 'upgrade_started':
      state.upgradeStartedAt = Math.max(state.upgradeStartedAt ?? at, at);
      break;
  }
}

/** Days a user's activity is kept for (`userDays`): the 14 days of a change and the 14 before. */
export const USER_DAYS = 28;
const ALL_DAYS = 2 ** USER_DAYS - 1;

/** Marks `day` active for the user, shifting their bitmap forward to it; drops users idle 28 days, then the idlest past 500. */
function recordUserDay(state: AccountState, userId: string, day: number): void {
  state.userDays ??= emptyNameMap();
  const entry = Object.hasOwn(state.userDays, userId) ? state.userDays[userId]! : null;
  if (entry && day === entry[0]) return; // the user's day already marked: most events
  if (!entry) state.userDays[userId] = [day, 1];
  else if (day > entry[0]) state.userDays[userId] = [day, shiftDays(entry[1], day - entry[0]) | 1];
  else {
    if (entry[0] - day < USER_DAYS) entry[1] |= 2 ** (entry[0] - day);
    return; // an older day: nobody's latest moved, nothing to drop
  }
  // A user's latest day moved or a user arrived: drop those idle 28 days, then the idlest past 500.
  const latest = day;
  const entries = Object.entries(state.userDays);
  for (const [id, [last]] of entries) if (latest - last >= USER_DAYS) delete state.userDays[id];
  if (entries.length > MAX_USERS) {
    const idlest = Object.entries(state.userDays).sort((a, b) => a[1][0] - b[1][0]);
    for (const [id] of idlest.slice(0, idlest.length - MAX_USERS)) delete state.userDays[id];
  }
}

/** The bitmap `by` days later: older days move up, days past 28 fall off. */
function shiftDays(days: number, by: number): number {
  if (by >= USER_DAYS) return 0;
  return (days * 2 ** by) % 2 ** USER_DAYS;
}

/**
 * Users active in the 14 days up to `today` and in the 14 before them, from `userDays`.
 * Bitmaps are 28 bits: arithmetic, not bitwise shifts past 31.
 */
export function usersByFortnight(state: AccountState, today: number): { recent: number; before: number } {
  let recent = 0;
  let before = 0;
  for (const [day, days] of Object.values(state.userDays ?? {})) {
    const age = Math.max(0, today - day); // bit i is `age + i` days old
    if (age >= USER_DAYS) continue;
    const aligned = shiftDays(days & ALL_DAYS, age); // bit j: j days old
    if (aligned % 2 ** 14 > 0) recent++;
    if (Math.floor(aligned / 2 ** 14) > 0) before++;
  }
  return { recent, before };
}

function recordPressureDay(state: AccountState, at: number, now: number): void {
  const day = Math.floor(at / DAY);
  const oldest = Math.floor(now / DAY) - 14;
  const days = (state.pressureDays ?? []).filter((d) => d > oldest);
  if (day > oldest && !days.includes(day)) days.push(day);
  state.pressureDays = days;
}

function stringProp(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Keeps only the properties a `says` template quotes, so the state stays small. */
function pickTemplateProps(says: string | null, props: Record<string, unknown>): Record<string, unknown> {
  if (!says) return {};
  const picked: Record<string, unknown> = {};
  for (const [, name] of says.matchAll(/\{(\w+)\}/g)) {
    const value = props[name!];
    if (name !== 'count' && (typeof value === 'string' || typeof value === 'number')) {
      picked[name!] = typeof value === 'string' ? value.slice(0, 200) : value;
    }
  }
  return picked;
}
