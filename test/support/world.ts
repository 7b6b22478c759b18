import { createRng, type Rng } from '../../src/domain/rng.js';
import { INDUSTRIES, PLACES } from '../../tools/sandbox/demo-vocabulary.js';

/**
 * A seeded synthetic "messy world" (issue 16): a product's accounts, each labelled by the
 * generator with its own TYPE and what pls should do about it, and their usage events in the
 * native webhook shape (README, "Sending events"), plus a delivery plan that sends them the way
 * real producers do — half through Segment's `/v1/batch`, half through the signed webhook, in
 * batches that arrive shuffled or in reverse time order, with some events redelivered.
 *
 * Time: `now` is the instant the app's clock is set to before the backfill. The backfill holds
 * everything that happened more than 24 h before `now` (1–14 days of history, older than the
 * manifest's `stale_after`, so it scores and never pages); the live phase is a few steps after
 * `now` (minutes to hours), each with events happening at that step — or, for the late types,
 * events that happened a day or more before they are delivered.
 *
 * Paying customers are judged by the other plays (manifests/pls.yml, "Plays"): `expanding` teams
 * press on their plan's limit (expansion pages them live), `churning` teams went quiet, and the
 * fortnights compared make it plain at the first midnight after `now` (churn risk pages them on
 * that day's re-score). `EXPECTATION` is new business's; `PLAY_EXPECTATION` the other plays'.
 *
 * The same seed and `now` give the same world, byte for byte: every account draws from its own
 * fork of the RNG, so adding an account type does not reshuffle the others.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Backfill events are at least this old when delivered: well past `stale_after` (24 h). */
const BACKFILL_MIN_AGE = 25 * HOUR;
/** History goes back this many days (active_days_14d and active_users_14d look at 14). */
const HISTORY_DAYS = 13;
/** The churning teams' history goes back this far: the fortnight before the last one is their base. */
const BASE_DAYS = 27;

/** When each live step happens, after `now`: minutes to hours, far below the 14-day cooldown. */
export const LIVE_STEPS = [0, 10 * MINUTE, 40 * MINUTE, 90 * MINUTE, 3 * HOUR, 5 * HOUR] as const;
const LAST_STEP = LIVE_STEPS.length - 1;

export const ACCOUNT_TYPES = [
  'buyer',
  'backfill_buyer',
  'unknown_size_team',
  'late_intent_then_active',
  'unknown_size_solo',
  'self_serve_hero',
  'hobbyist',
  'paying',
  'expanding',
  'churning',
  'converting',
  'engaged_only',
  'late_intent',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/**
 * What pls should do: page the account; spare it (a rule of engagement exists to keep reps
 * away from it); or simply not page it (nothing in its behaviour is a buying moment).
 */
export type Expectation = 'page' | 'spare' | 'no_page';

export const EXPECTATION: Record<AccountType, Expectation> = {
  buyer: 'page',
  backfill_buyer: 'page',
  unknown_size_team: 'page',
  late_intent_then_active: 'page',
  unknown_size_solo: 'spare',
  self_serve_hero: 'spare',
  hobbyist: 'spare',
  paying: 'spare',
  expanding: 'spare',
  churning: 'spare',
  converting: 'spare',
  engaged_only: 'no_page',
  late_intent: 'no_page',
};

/** The play other than new business that should page an account of the type, once. */
export const PLAY_EXPECTATION: Partial<Record<AccountType, 'expansion' | 'churn_risk'>> = {
  expanding: 'expansion',
  churning: 'churn_risk',
};

/** How many accounts of each type (160 in all: ≥ 8 of each paged type, ≥ 6 of each spared one). */
export const WORLD_MIX: Record<AccountType, number> = {
  buyer: 30,
  backfill_buyer: 12,
  unknown_size_team: 12,
  late_intent_then_active: 10,
  unknown_size_solo: 10,
  self_serve_hero: 10,
  hobbyist: 10,
  paying: 8,
  expanding: 8,
  churning: 8,
  converting: 8,
  engaged_only: 24,
  late_intent: 10,
};

/** A buyer's live intent moment; the buyers cycle through all of them. */
export const BUYER_MOMENTS = [
  'usage_limit_hit',
  'demo_requested',
  'pricing_repeat',
  'premium_feature_attempted',
  'new_domain_invite',
  'limit_approached',
] as const;
export type BuyerMoment = (typeof BUYER_MOMENTS)[number];

export type Channel = 'webhook' | 'segment';

export interface Firm {
  name: string;
  /** Absent for people on a free-mail address with no company. */
  domain?: string;
  plan: string;
  /** Absent when the product never learned the company's size. */
  employees?: number;
  industry: string;
  country: string;
  timezone: string;
}

export interface WorldUser {
  id: string;
  email: string;
  name: string;
  title: string;
}

export interface WorldAccount {
  id: string;
  type: AccountType;
  expected: Expectation;
  /** The buyer's intent moment (buyers only), for the per-moment report. */
  moment: BuyerMoment | null;
  via: Channel;
  firm: Firm;
  users: WorldUser[];
}

/** A usage event in the native webhook shape. */
export interface NativeEvent {
  id: string;
  type: string;
  timestamp: string;
  account: Record<string, unknown> & { id: string };
  user: { id: string; email: string; name: string; title: string };
  properties?: Record<string, unknown>;
}

export interface LiveStep {
  /** Milliseconds after `now`. */
  after: number;
  events: NativeEvent[];
}

export interface World {
  seed: number;
  now: number;
  start: number;
  accounts: WorldAccount[];
  /** Everything older than 24 h at `now`, delivered at once at the start. */
  backfill: NativeEvent[];
  live: LiveStep[];
}

export function generateWorld(options: { now: number; seed: number; start?: number }): World {
  const { now, seed } = options;
  const start = options.start ?? now - (BASE_DAYS + 1) * DAY;
  const rng = createRng(seed);
  const labels = accountLabels(rng.fork('labels'));
  const backfill: NativeEvent[] = [];
  const live: LiveStep[] = LIVE_STEPS.map((after) => ({ after, events: [] }));
  const accounts = labels.map((label, index) => {
    const id = `acct_w${String(index + 1).padStart(3, '0')}`;
    const b = builder(rng.fork(id), id, label, { now, start });
    GENERATORS[label.type](b);
    backfill.push(...b.backfill);
    for (const [step, events] of b.live.entries()) live[step]!.events.push(...events);
    return b.account;
  });
  return { seed, now, start, accounts, backfill, live };
}

// ─── Labels ──────────────────────────────────────────────────────────────────────────────

interface Label {
  type: AccountType;
  moment: BuyerMoment | null;
  via: Channel;
}

/**
 * Every account's label, shuffled so account ids say nothing about types. Within a type,
 * channels alternate (half Segment, half webhook); buyers cycle through the intent moments so
 * that each moment is delivered through both channels.
 */
function accountLabels(rng: Rng): Label[] {
  const labels: Label[] = [];
  for (const type of ACCOUNT_TYPES) {
    for (let i = 0; i < WORLD_MIX[type]; i++) {
      const isBuyer = type === 'buyer';
      const moment = isBuyer ? BUYER_MOMENTS[i % BUYER_MOMENTS.length]! : null;
      const round = isBuyer ? Math.floor(i / BUYER_MOMENTS.length) : i;
      labels.push({ type, moment, via: round % 2 === 0 ? 'webhook' : 'segment' });
    }
  }
  return shuffle(rng, labels);
}

// ─── One account's events ────────────────────────────────────────────────────────────────

interface Builder {
  rng: Rng;
  account: WorldAccount;
  backfill: NativeEvent[];
  live: NativeEvent[][];
  /** Firmographics and people of this account (call once, first). */
  setUp(firm: Firm, users: number, options?: { freeMail?: boolean }): void;
  /** An event that happened `ago` ms before `now` (≥ 25 h): part of the backfill. */
  past(type: string, ago: number, user: WorldUser, properties?: Record<string, unknown>): void;
  /** An event delivered at live step `step`, happening `late` ms before the step (0: fresh). */
  atStep(
    step: number,
    type: string,
    user: WorldUser,
    properties?: Record<string, unknown>,
    late?: number,
  ): void;
  anyUser(): WorldUser;
}

function builder(rng: Rng, id: string, label: Label, world: { now: number; start: number }): Builder {
  const { now, start } = world;
  let n = 0;
  const account: WorldAccount = {
    id,
    type: label.type,
    expected: EXPECTATION[label.type],
    moment: label.moment,
    via: label.via,
    firm: { name: '', plan: 'free', industry: '', country: '', timezone: '' },
    users: [],
  };
  const event = (
    type: string,
    at: number,
    user: WorldUser,
    properties: Record<string, unknown> | undefined,
    accountFields: Record<string, unknown>,
  ): NativeEvent => ({
    id: `evt_${id}_${String(++n).padStart(4, '0')}`,
    type,
    timestamp: new Date(at).toISOString(),
    account: { id, ...accountFields },
    user: { ...user },
    ...(properties ? { properties } : {}),
  });
  const b: Builder = {
    rng,
    account,
    backfill: [],
    live: LIVE_STEPS.map(() => []),
    setUp(firm, users, options = {}) {
      account.firm = firm;
      account.users = people(rng, id, users, options.freeMail ? null : firm.domain!);
    },
    past(type, ago, user, properties) {
      const at = now - ago;
      if (ago < BACKFILL_MIN_AGE || at < start)
        throw new Error(`${id}: ${type} ${ago} ms ago is not backfill`);
      // The backfill export carries the account's traits on every event, as products resend them.
      b.backfill.push(event(type, at, user, properties, firmFields(account.firm)));
    },
    atStep(step, type, user, properties, late = 0) {
      // Live events name only the account: its traits are known from the backfill, and a live
      // event resending `plan: free` would undo a purchase.
      const at = now + LIVE_STEPS[step]! - (late || rng.int(0, 8) * MINUTE);
      b.live[step]!.push(event(type, at, user, properties, {}));
    },
    anyUser: () => rng.pick(account.users),
  };
  return b;
}

const FIRST_NAMES = ['kim', 'ana', 'lee', 'sam', 'jo', 'max', 'ravi', 'mei', 'omar', 'ines', 'tom', 'zoe'];
const LAST_NAMES = ['lee', 'park', 'silva', 'novak', 'khan', 'berg', 'ito', 'moreau', 'okafor', 'diaz'];
const TITLES = [
  'Engineer',
  'Engineering Manager',
  'VP Engineering',
  'Data Analyst',
  'CTO',
  'Product Manager',
];
const FREE_MAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'proton.me'];

function people(rng: Rng, accountId: string, count: number, domain: string | null): WorldUser[] {
  return Array.from({ length: count }, (_, k) => {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const email = domain
      ? `${first}.${last}${k}@${domain}`
      : `${first}.${last}${rng.int(10, 99)}@${rng.pick(FREE_MAIL)}`;
    const name = `${capital(first)} ${capital(last)}`;
    return { id: `${accountId}_u${k + 1}`, email, name, title: rng.pick(TITLES) };
  });
}

function firmFields(firm: Firm): Record<string, unknown> {
  return Object.fromEntries(Object.entries(firm).filter(([, value]) => value !== undefined));
}

// ─── Firmographics ───────────────────────────────────────────────────────────────────────

const COMPANIES = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'wonka',
  'tyrell',
  'soylent',
  'vandelay',
  'oscorp',
  'aperture',
  'monarch',
  'nakatomi',
  'octan',
  'sirius',
  'zorg',
];
const TLDS = ['com', 'io', 'co', 'dev', 'ai'];

/** A company of the given size (undefined: never sent), on its own business domain. */
function company(
  b: Builder,
  employees: number | undefined,
  options: { domain?: string; plan?: string } = {},
) {
  const { rng } = b;
  const slug = companySlug(b);
  const region = rng.pick(PLACES);
  const firm: Firm = {
    name: `${capital(slug.replace(/\d+$/, ''))} ${rng.pick(['Labs', 'Inc', 'Group', 'Systems', 'Studio'])}`,
    domain: options.domain ?? `${slug}.${rng.pick(TLDS)}`,
    plan: options.plan ?? 'free',
    industry: rng.pick(INDUSTRIES),
    country: region.country,
    timezone: region.timezone,
  };
  if (employees !== undefined) firm.employees = employees;
  return firm;
}

/** A company name unique in the world: the company word plus the account's number. */
function companySlug(b: Builder): string {
  const number = Number(b.account.id.replace(/\D/g, ''));
  return `${COMPANIES[number % COMPANIES.length]}${number}`;
}

/** Log-uniform: as many companies of 20–200 as of 200–2,000. */
function employeesBetween(rng: Rng, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min))));
}

// ─── Behaviour ───────────────────────────────────────────────────────────────────────────

interface Habits {
  /** Days with activity among the last 13 (each ≥ 25 h before `now`). */
  activeDays: number;
  /** Chance that a given user is active on one of those days. */
  presence: number;
  sessions: [number, number];
  features: [number, number];
  integrations: number;
  /** Whether the first user invites the others (same company domain). */
  invites: boolean;
  /** Always active this many days back (1 = the day before `now`): recent engagement. */
  recentDay?: number;
}

const FEATURES = ['dashboards', 'api', 'alerts', 'exports', 'reports', 'webhooks', 'search', 'comments'];
const INTEGRATIONS = ['slack', 'github', 'jira', 'salesforce', 'snowflake'];
const LIMITS = ['API calls', 'seats', 'projects', 'storage GB'];
const PREMIUM = ['sso', 'saml', 'audit_log', 'advanced_permissions', 'custom_roles'];

/** How long before `now` a moment of the working day `daysAgo` back was (at least 25 h). */
function onDay(b: Builder, daysAgo: number): number {
  return daysAgo * DAY + b.rng.int(60, 9 * 60) * MINUTE;
}

/**
 * The account's product use over the backfill: sign-up and activation on its first day, the
 * teammates invited, integrations, and sessions and features by each user on the active days.
 * Every user is active on at least one day, so they all count in active_users_14d.
 */
function productHistory(b: Builder, habits: Habits): void {
  const { rng, account } = b;
  const days = pickDays(rng, habits.activeDays, habits.recentDay);
  const first = days[0]!;
  const owner = account.users[0]!;
  b.past('signed_up', first * DAY + 9 * HOUR, owner);
  b.past('activation_milestone', onDay(b, first), owner, { milestone: 'first_project' });
  if (days.length > 2)
    b.past('activation_milestone', onDay(b, days[2]!), owner, { milestone: 'first_report' });
  if (habits.invites) {
    for (const teammate of account.users.slice(1, 6)) {
      b.past('teammate_invited', onDay(b, first), owner, { invitee_email: teammate.email });
    }
  }
  for (const integration of shuffle(rng, INTEGRATIONS).slice(0, habits.integrations)) {
    b.past('integration_connected', onDay(b, rng.pick(days)), b.anyUser(), { integration });
  }
  days.forEach((day, i) => {
    account.users.forEach((user, k) => {
      if (k % days.length !== i && !rng.chance(habits.presence)) return;
      for (let s = rng.int(...habits.sessions); s > 0; s--) b.past('session_started', onDay(b, day), user);
      for (let f = rng.int(...habits.features); f > 0; f--) {
        b.past('feature_used', onDay(b, day), user, { feature: rng.pick(FEATURES) });
      }
    });
  });
}

/** `count` distinct days among 1…13 days ago, oldest first, including `recent` when given. */
function pickDays(rng: Rng, count: number, recent?: number): number[] {
  const all = Array.from({ length: HISTORY_DAYS }, (_, i) => i + 1).filter((d) => d !== recent);
  const days = shuffle(rng, all).slice(0, recent === undefined ? count : count - 1);
  if (recent !== undefined) days.push(recent);
  return days.sort((x, y) => y - x);
}

/** Ordinary product use at a live step: sessions and features, happening now. */
function freshActivity(b: Builder, step: number, events = b.rng.int(1, 3)): void {
  for (let i = 0; i < events; i++) {
    if (b.rng.chance(0.6)) b.atStep(step, 'session_started', b.anyUser());
    else b.atStep(step, 'feature_used', b.anyUser(), { feature: b.rng.pick(FEATURES) });
  }
}

/** Fresh activity on some of the steps from `from` to `to` (at least one). */
function activeSteps(b: Builder, from: number, to: number): void {
  const steps = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const chosen = steps.filter(() => b.rng.chance(0.5));
  for (const step of chosen.length > 0 ? chosen : [b.rng.pick(steps)]) freshActivity(b, step);
}

const limitHit = (rng: Rng) => {
  const quota = rng.pick([1_000, 5_000, 10_000, 50]);
  return { limit: rng.pick(LIMITS), used: quota, quota };
};
const limitApproached = (rng: Rng) => {
  const quota = rng.pick([1_000, 5_000, 10_000]);
  return { limit: 'API calls', used: Math.round(quota * (0.85 + rng.next() * 0.12)), quota };
};
const premium = (rng: Rng) => ({ feature: rng.pick(PREMIUM), plan: 'business' });

/** A live hand-raise that needs no history: a limit hit or a demo request. */
function liveHandRaise(b: Builder, step: number, kind = b.rng.pick(['usage_limit_hit', 'demo_requested'])) {
  if (kind === 'usage_limit_hit') b.atStep(step, 'usage_limit_hit', b.anyUser(), limitHit(b.rng));
  else b.atStep(step, 'demo_requested', b.anyUser(), { source: 'pricing_page' });
}

/** A hand-raise that happened a day or more before pls hears of it (a stuck queue, a backfill job). */
function lateHandRaise(b: Builder, step: number): void {
  const { rng } = b;
  b.atStep(step, 'usage_limit_hit', b.anyUser(), limitHit(rng), rng.int(26, 40) * HOUR);
  if (rng.chance(0.6)) {
    b.atStep(step, 'demo_requested', b.anyUser(), { source: 'contact_form' }, rng.int(26, 40) * HOUR);
  }
}

/** A real team: several users, a business domain, steady use over the last two weeks. */
const TEAM_HABITS = (rng: Rng): Habits => ({
  activeDays: rng.int(7, 11),
  presence: 0.6,
  sessions: [1, 3],
  features: [0, 2],
  integrations: rng.int(1, 3),
  invites: true,
  recentDay: rng.chance(0.7) ? 1 : undefined,
});

/** One person (or two) using the product a lot. */
const POWER_USER_HABITS = (rng: Rng): Habits => ({
  activeDays: rng.int(9, 13),
  presence: 1,
  sessions: [2, 4],
  features: [1, 3],
  integrations: rng.int(1, 3),
  invites: false,
  recentDay: 1,
});

// ─── The types ───────────────────────────────────────────────────────────────────────────

const GENERATORS: Record<AccountType, (b: Builder) => void> = {
  /** A real team, then a live intent moment (which one: the account's label). */
  buyer(b) {
    const { rng } = b;
    const moment = b.account.moment!;
    const slug = companySlug(b);
    // The new-domain buyer's invitee works at the parent company: acme7-labs.io → acme7corp.com.
    const domain = moment === 'new_domain_invite' ? `${slug}-labs.io` : undefined;
    b.setUp(company(b, employeesBetween(rng, 20, 5000), { domain }), rng.int(3, 7));
    productHistory(b, TEAM_HABITS(rng));
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    switch (moment) {
      case 'usage_limit_hit':
      case 'demo_requested':
        liveHandRaise(b, step, moment);
        break;
      case 'pricing_repeat':
        // Two looks in the days before; the third, live, within 7 days of the first.
        b.past('pricing_page_viewed', onDay(b, rng.int(3, 5)), b.anyUser());
        b.past('pricing_page_viewed', onDay(b, rng.int(1, 2)), b.anyUser());
        b.atStep(step, 'pricing_page_viewed', b.anyUser());
        break;
      case 'premium_feature_attempted':
        b.atStep(step, 'premium_feature_attempted', b.anyUser(), premium(rng));
        break;
      case 'new_domain_invite': {
        const invitee = `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}@${slug}corp.com`;
        b.atStep(step, 'teammate_invited', b.account.users[0]!, { invitee_email: invitee });
        break;
      }
      case 'limit_approached':
        // Close to the limit on three distinct days within 14, the last one live; never over it.
        b.past('usage_limit_approached', onDay(b, rng.int(8, 12)), b.anyUser(), limitApproached(rng));
        b.past('usage_limit_approached', onDay(b, rng.int(5, 7)), b.anyUser(), limitApproached(rng));
        b.atStep(step, 'usage_limit_approached', b.anyUser(), limitApproached(rng));
        break;
    }
  },

  /**
   * Hot from its history alone, which arrives all at once in the backfill (stale: it scores and
   * never pages); then ordinary fresh activity, which should page it, once.
   */
  backfill_buyer(b) {
    const { rng } = b;
    b.setUp(company(b, rng.int(50, 900)), rng.int(4, 7));
    productHistory(b, { ...TEAM_HABITS(rng), activeDays: rng.int(8, 12), recentDay: 1 });
    const hit = rng.chance(0.75);
    if (hit) b.past('usage_limit_hit', rng.int(25, 47) * HOUR, b.anyUser(), limitHit(rng));
    if (!hit || rng.chance(0.5)) {
      b.past('demo_requested', rng.int(25, 47) * HOUR, b.anyUser(), { source: 'pricing_page' });
    }
    const step = rng.int(0, 4);
    freshActivity(b, step);
    if (rng.chance(0.5)) freshActivity(b, rng.int(step + 1, LAST_STEP));
  },

  /** A real team whose size the product never sent, raising its hand live. */
  unknown_size_team(b) {
    const { rng } = b;
    b.setUp(company(b, undefined), rng.int(3, 6));
    productHistory(b, TEAM_HABITS(rng));
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    liveHandRaise(b, step);
  },

  /** Late intent makes it hot without paging; the fresh activity after it should page. */
  late_intent_then_active(b) {
    const { rng } = b;
    b.setUp(company(b, employeesBetween(rng, 30, 3000)), rng.int(3, 7));
    productHistory(b, TEAM_HABITS(rng));
    const step = rng.int(0, 3);
    lateHandRaise(b, step);
    activeSteps(b, step + 1, LAST_STEP);
  },

  /** Size unknown and only one or two people: engaged, but not (yet) a team that buys. */
  unknown_size_solo(b) {
    const { rng } = b;
    b.setUp(company(b, undefined), rng.int(1, 2));
    productHistory(b, POWER_USER_HABITS(rng));
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    if (rng.chance(0.3)) {
      b.past('pricing_page_viewed', onDay(b, rng.int(3, 5)), b.anyUser());
      b.past('pricing_page_viewed', onDay(b, rng.int(1, 2)), b.anyUser());
      b.atStep(step, 'pricing_page_viewed', b.anyUser());
    } else liveHandRaise(b, step);
  },

  /** A very engaged company under min_employees: self-serve is the right motion. */
  self_serve_hero(b) {
    const { rng } = b;
    b.setUp(company(b, rng.int(2, 15)), rng.int(1, 3));
    productHistory(b, { ...POWER_USER_HABITS(rng), invites: true });
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    b.atStep(step, 'usage_limit_hit', b.anyUser(), limitHit(rng));
    if (rng.chance(0.5)) b.atStep(rng.int(step, LAST_STEP), 'pricing_page_viewed', b.anyUser());
  },

  /** One person on a free-mail address, no company: fails the organizational gate. */
  hobbyist(b) {
    const { rng } = b;
    const firm: Firm = { ...company(b, undefined), name: `${capital(rng.pick(FIRST_NAMES))}'s projects` };
    delete firm.domain;
    b.setUp(firm, 1, { freeMail: true });
    productHistory(b, POWER_USER_HABITS(rng));
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    b.atStep(step, 'usage_limit_hit', b.anyUser(), limitHit(rng));
  },

  /** Already on the enterprise plan (excluded): account management, not product-led sales. */
  paying(b) {
    const { rng } = b;
    b.setUp(company(b, employeesBetween(rng, 200, 5000), { plan: 'enterprise' }), rng.int(3, 7));
    productHistory(b, TEAM_HABITS(rng));
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    if (rng.chance(0.3)) b.atStep(step, 'premium_feature_attempted', b.anyUser(), premium(rng));
    else liveHandRaise(b, step);
  },

  /** Buying on its own: checkout, a limit hit inside the converting window, then the new plan. */
  converting(b) {
    const { rng } = b;
    b.setUp(company(b, employeesBetween(rng, 20, 800)), rng.int(3, 6));
    productHistory(b, TEAM_HABITS(rng));
    // Each on a step of its own: shuffling within a batch must not put the hit before the checkout.
    const checkout = rng.int(0, 2);
    b.atStep(checkout, 'upgrade_started', b.account.users[0]!, { plan: 'team' });
    freshActivity(b, checkout + 1);
    b.atStep(checkout + 1, 'usage_limit_hit', b.anyUser(), limitHit(rng));
    b.atStep(rng.int(checkout + 2, LAST_STEP), 'plan_changed', b.account.users[0]!, {
      plan: 'team',
      from: 'free',
    });
  },

  /**
   * A paying team outgrowing its plan: close to the API calls limit on two days in the last two
   * weeks and a third time live — expansion's moment, never new business's.
   */
  expanding(b) {
    const { rng } = b;
    const plan = rng.pick(['team', 'business']);
    b.setUp(company(b, employeesBetween(rng, 50, 900), { plan }), rng.int(4, 7));
    productHistory(b, { ...TEAM_HABITS(rng), recentDay: 1 });
    const step = rng.int(1, 4);
    activeSteps(b, 0, step);
    b.past('usage_limit_approached', onDay(b, rng.int(8, 12)), b.anyUser(), limitApproached(rng));
    b.past('usage_limit_approached', onDay(b, rng.int(2, 7)), b.anyUser(), limitApproached(rng));
    b.atStep(step, 'usage_limit_approached', b.anyUser(), limitApproached(rng));
  },

  /**
   * A paying team that stopped using the product. Three sessions each in the fortnight before
   * last, and again thirteen days ago; since then one person, now and then. Until tonight the
   * fortnights compared hold as many sessions and people each (no change); at the first midnight
   * after `now` the day thirteen days back joins the base and the last fortnight is one person:
   * users and sessions down 75 % or more, churn risk's moment, found by the daily re-score.
   */
  churning(b) {
    const { rng } = b;
    const plan = rng.pick(['business', 'enterprise']);
    b.setUp(company(b, employeesBetween(rng, 40, 2000), { plan }), rng.int(4, 6));
    const [stays, ...left] = b.account.users as [WorldUser, ...WorldUser[]];
    b.past('signed_up', BASE_DAYS * DAY, stays);
    for (const teammate of left)
      b.past('teammate_invited', BASE_DAYS * DAY - HOUR, stays, { invitee_email: teammate.email });
    const sessions = (user: WorldUser, days: readonly number[]) => {
      for (const day of days) b.past('session_started', onDay(b, day), user);
    };
    for (const user of b.account.users) sessions(user, [rng.int(15, 26), rng.int(15, 26), rng.int(15, 26)]);
    for (const user of left) sessions(user, [13, 13, 13]);
    sessions(stays, [rng.int(1, 12), rng.int(1, 12), rng.int(1, 12)]);
    b.past('feature_used', onDay(b, rng.int(1, 12)), stays, { feature: rng.pick(FEATURES) });
  },

  /** A real, very active team with no intent at all: engagement is not a PQL. */
  engaged_only(b) {
    const { rng } = b;
    b.setUp(company(b, employeesBetween(rng, 20, 3000)), rng.int(3, 7));
    productHistory(b, { ...TEAM_HABITS(rng), activeDays: rng.int(8, 12), sessions: [1, 4] });
    activeSteps(b, 0, LAST_STEP);
  },

  /** Active, then intent that arrives late, then silence: it scores and must never page. */
  late_intent(b) {
    const { rng } = b;
    b.setUp(company(b, employeesBetween(rng, 30, 3000)), rng.int(3, 7));
    productHistory(b, TEAM_HABITS(rng));
    // Fresh activity only on steps strictly before the late intent: nothing fresh follows it.
    const step = rng.int(1, 4);
    activeSteps(b, 0, step - 1);
    lateHandRaise(b, step);
  },
};

// ─── Delivery ────────────────────────────────────────────────────────────────────────────

export type SegmentMessage = Record<string, unknown>;

export type Delivery =
  | { via: 'webhook'; body: { events: NativeEvent[] } }
  | { via: 'segment'; body: { batch: SegmentMessage[] } };

/** Share of events a producer sends twice (a retried request, an at-least-once queue). */
const REDELIVERY = 0.05;
/** Share of batches sent in reverse time order (a backfill job paging newest first). */
const REVERSED = 0.3;

/**
 * The requests that deliver `events` as a real producer would: each account through its own
 * channel (Segment `/v1/batch` or the signed webhook); time-ordered chunks of 100–500 events
 * (Segment: ≤ 250, under its 500 KB), each shuffled or reversed; ~5 % of the events redelivered
 * in retry batches sent after the originals, with the same id / messageId. `profiles` adds
 * what a Segment source sends besides tracks: a `group` call with the account's traits and an
 * `identify` per user (the backfill). `shuffleBatches` sends the batches in random order.
 */
export function planDeliveries(
  world: World,
  events: readonly NativeEvent[],
  options: { key: string; profiles?: boolean; shuffleBatches?: boolean },
): Delivery[] {
  const rng = createRng(world.seed).fork(`delivery:${options.key}`);
  const byId = new Map(world.accounts.map((a) => [a.id, a]));
  const via = (e: NativeEvent) => byId.get(e.account.id)!.via;

  const native = events.filter((e) => via(e) === 'webhook');
  const segment: Timed<SegmentMessage>[] = events
    .filter((e) => via(e) === 'segment')
    .map((e) => ({ at: Date.parse(e.timestamp), item: segmentTrack(e) }));
  if (options.profiles) {
    for (const account of world.accounts.filter((a) => a.via === 'segment')) {
      segment.push(...segmentProfile(account, world.start));
    }
  }

  const webhook = batches(
    rng,
    native.map((e) => ({ at: Date.parse(e.timestamp), item: e })),
    [100, 500],
  );
  const segmentBatches = batches(rng, segment, [80, 250]);
  const toWebhook = (events: NativeEvent[]): Delivery => ({ via: 'webhook', body: { events } });
  const toSegment = (batch: SegmentMessage[]): Delivery => ({ via: 'segment', body: { batch } });
  const firsts = interleave(rng, webhook.firsts.map(toWebhook), segmentBatches.firsts.map(toSegment));
  const ordered = options.shuffleBatches ? shuffle(rng, firsts) : firsts;
  return [...ordered, ...webhook.retries.map(toWebhook), ...segmentBatches.retries.map(toSegment)];
}

interface Timed<T> {
  at: number;
  item: T;
}

/** Time-ordered chunks, each shuffled or reversed, and the retries of ~5 % of their items. */
function batches<T>(rng: Rng, items: Timed<T>[], size: [number, number]): { firsts: T[][]; retries: T[][] } {
  const sorted = [...items].sort((x, y) => x.at - y.at).map((t) => t.item);
  const firsts: T[][] = [];
  for (let i = 0; i < sorted.length; ) {
    const chunk = sorted.slice(i, i + rng.int(...size));
    i += chunk.length;
    firsts.push(rng.chance(REVERSED) ? chunk.reverse() : shuffle(rng, chunk));
  }
  const again = shuffle(
    rng,
    sorted.filter(() => rng.chance(REDELIVERY)),
  );
  const retries: T[][] = [];
  for (let i = 0; i < again.length; i += size[1]) retries.push(again.slice(i, i + size[1]));
  return { firsts, retries };
}

/** Merges two request sequences, keeping each one's order (two producers sending at once). */
function interleave<T>(rng: Rng, a: T[], b: T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const takeA =
      j >= b.length || (i < a.length && rng.chance((a.length - i) / (a.length - i + b.length - j)));
    out.push(takeA ? a[i++]! : b[j++]!);
  }
  return out;
}

/** A native event as `analytics.track` sends it (README, "Segment and RudderStack"). */
function segmentTrack(e: NativeEvent): SegmentMessage {
  return {
    type: 'track',
    event: e.type,
    messageId: e.id,
    timestamp: e.timestamp,
    userId: e.user.id,
    context: { groupId: e.account.id },
    properties: e.properties ?? {},
  };
}

/** The account's `group` call (firmographics as group traits) and an `identify` per user. */
function segmentProfile(account: WorldAccount, start: number): Timed<SegmentMessage>[] {
  const at = start + 30 * MINUTE;
  const timestamp = new Date(at).toISOString();
  const { firm } = account;
  const traits: Record<string, unknown> = {
    name: firm.name,
    plan: firm.plan,
    industry: firm.industry,
    country: firm.country,
    timezone: firm.timezone,
  };
  // Half the sources send the website as a URL, the others a bare `domain`.
  if (firm.domain) {
    if (Number(account.id.replace(/\D/g, '')) % 2 === 0) traits.website = `https://www.${firm.domain}/`;
    else traits.domain = firm.domain;
  }
  if (firm.employees !== undefined) traits.employees = firm.employees;
  const group = {
    type: 'group',
    messageId: `grp_${account.id}`,
    groupId: account.id,
    userId: account.users[0]!.id,
    timestamp,
    traits,
  };
  const identifies = account.users.map((user) => ({
    type: 'identify',
    messageId: `idf_${user.id}`,
    userId: user.id,
    timestamp,
    traits: { email: user.email, name: user.name, title: user.title },
  }));
  return [group, ...identifies].map((item) => ({ at, item }));
}

// ─── Small helpers ───────────────────────────────────────────────────────────────────────

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
