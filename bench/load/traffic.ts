import { createRng, type Rng } from '../../src/domain/rng.js';
import type { AccountProfile, AccountUser } from './accounts.js';

/**
 * Usage events in pls's native webhook shape (README, "Sending events"), drawn from account profiles:
 * `history` replays days of product use in time order (a backfill, a batch feed), and
 * `createLiveTraffic` draws "now" events weighted by how busy each account is (a live stream).
 */
export interface UsageEventBody {
  id: string;
  type: string;
  timestamp: string;
  account: {
    id: string;
    name?: string;
    domain?: string;
    plan?: string;
    employees?: number;
    industry?: string;
    country?: string;
    timezone?: string;
    owner?: string;
  };
  user?: { id: string; email?: string; name?: string; title?: string };
  properties?: Record<string, unknown>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const FEATURES = [
  'dashboards',
  'reports',
  'alerts',
  'api',
  'exports',
  'sql_editor',
  'workflows',
  'webhooks',
  'templates',
  'comments',
] as const;
const PREMIUM: readonly (readonly [string, string])[] = [
  ['sso', 'business'],
  ['audit_log', 'business'],
  ['advanced_permissions', 'business'],
  ['saml', 'enterprise'],
  ['scim', 'enterprise'],
  ['data_retention', 'enterprise'],
];
const INTEGRATIONS = ['slack', 'github', 'salesforce', 'snowflake', 'jira', 'hubspot'] as const;
const MILESTONES = ['created_first_project', 'invited_first_teammate', 'connected_data', 'first_report'];
const QUOTA: Record<string, number> = { free: 10_000, starter: 50_000, team: 250_000 };

/** Standard UTC offsets (DST ignored: good enough to put sessions in working hours). */
const OFFSET_HOURS: Record<string, number> = {
  'America/New_York': -5,
  'America/Chicago': -6,
  'America/Los_Angeles': -8,
  'America/Toronto': -5,
  'America/Sao_Paulo': -3,
  'Europe/London': 0,
  'Europe/Berlin': 1,
  'Europe/Paris': 1,
  'Europe/Amsterdam': 1,
  'Europe/Stockholm': 1,
  'Asia/Kolkata': 5.5,
  'Asia/Tokyo': 9,
  'Australia/Sydney': 10,
};

export interface EventIds {
  next(at: number): string;
}

/** Time-ordered ids (`evt_<ms base36><counter base36>`): like the ULIDs of the README's example, they append to the id index. */
export function createEventIds(prefix = 'evt_'): EventIds {
  let counter = 0;
  return {
    next: (at) =>
      `${prefix}${Math.floor(at).toString(36)}${(counter++ % 1_679_616).toString(36).padStart(4, '0')}`,
  };
}

/** The account as a producer sends it on every event: its id and what it knows of the company. */
export function accountFields(account: AccountProfile): UsageEventBody['account'] {
  return {
    id: account.id,
    name: account.name,
    ...(account.domain ? { domain: account.domain } : {}),
    plan: account.plan,
    employees: account.employees,
    industry: account.industry,
    country: account.country,
    timezone: account.timezone,
    ...(account.owner ? { owner: account.owner } : {}),
  };
}

/** One event of `type` by `user`, with the properties the default manifest's signals read. */
export function usageEvent(
  type: string,
  account: AccountProfile,
  user: AccountUser | null,
  at: number,
  id: string,
  rng: Rng,
): UsageEventBody {
  const event: UsageEventBody = {
    id,
    type,
    timestamp: new Date(at).toISOString(),
    account: accountFields(account),
  };
  if (user) event.user = { id: user.id, email: user.email, name: user.name, title: user.title };
  const properties = propertiesFor(type, account, rng);
  if (properties) event.properties = properties;
  return event;
}

function propertiesFor(type: string, account: AccountProfile, rng: Rng): Record<string, unknown> | null {
  const quota = QUOTA[account.plan] ?? 10_000;
  switch (type) {
    case 'feature_used': {
      const breadth = account.archetype === 'cold' ? 3 : account.archetype === 'warm' ? 6 : FEATURES.length;
      return { feature: FEATURES[Math.floor(rng.next() ** 1.5 * breadth)] };
    }
    case 'session_started':
      return { platform: rng.chance(0.85) ? 'web' : 'desktop' };
    case 'activation_milestone':
      return { milestone: rng.pick(MILESTONES) };
    case 'integration_connected':
      return { integration: rng.pick(INTEGRATIONS) };
    case 'teammate_invited': {
      const domain = account.domain && rng.chance(0.9) ? account.domain : `partner${rng.int(1, 99)}.example`;
      return { invitee_email: `invitee${rng.int(1, 99_999)}@${domain}` };
    }
    case 'pricing_page_viewed':
      return { path: rng.chance(0.7) ? '/pricing' : '/pricing/compare' };
    case 'premium_feature_attempted': {
      const [feature, plan] = rng.pick(PREMIUM);
      return { feature, plan };
    }
    case 'usage_limit_approached':
      return { limit: 'API calls', used: Math.round(quota * (0.8 + rng.next() * 0.19)), quota };
    case 'usage_limit_hit':
      return { limit: 'API calls', used: quota, quota };
    case 'plan_changed':
      return { plan: 'team', previous: account.plan };
    default:
      return null;
  }
}

export interface HistoryOptions {
  /** Days of history, ending at `endAt`. */
  days: number;
  endAt: number;
  seed?: number | string;
  ids?: EventIds;
}

/**
 * Days of product use for every account, one UTC day at a time, each day's events in time
 * order (a producer's backfill, or a sandbox warming up). Events after `endAt` are left out.
 */
export function* history(
  accounts: readonly AccountProfile[],
  options: HistoryOptions,
): Generator<UsageEventBody[], void, undefined> {
  const seed = options.seed ?? 'pls-history';
  const ids = options.ids ?? createEventIds();
  const firstDay = Math.floor(options.endAt / DAY) - options.days + 1;
  const starts = accounts.map((account) => startDayOf(account, options.days, seed));
  for (let d = 0; d < options.days; d++) {
    const stamped: { at: number; make: (id: string) => UsageEventBody }[] = [];
    for (let i = 0; i < accounts.length; i++) {
      if (d < starts[i]!) continue;
      const account = accounts[i]!;
      const rng = createRng(`${seed}:${account.id}:${d}`);
      for (const planned of dayPlan(account, (firstDay + d) * DAY, d === starts[i], rng)) {
        if (planned.at > options.endAt) continue;
        stamped.push({
          at: planned.at,
          make: (id) => usageEvent(planned.type, account, planned.user, planned.at, id, rng),
        });
      }
    }
    stamped.sort((a, b) => a.at - b.at);
    yield stamped.map(({ at, make }) => make(ids.next(at)));
  }
}

/** The day the account first appears: most accounts predate the window; cold ones keep signing up. */
function startDayOf(account: AccountProfile, days: number, seed: number | string): number {
  const rng = createRng(`${seed}:${account.id}:start`);
  const within = account.archetype === 'cold' ? 0.6 : 0.15;
  return rng.chance(within) ? rng.int(0, days - 1) : 0;
}

interface Planned {
  type: string;
  at: number;
  user: AccountUser | null;
}

/** What an account does on one day: sessions in its working hours, and the moments around them. */
function dayPlan(account: AccountProfile, dayStart: number, signupDay: boolean, rng: Rng): Planned[] {
  const b = account.behaviour;
  const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
  if (!signupDay && !rng.chance(weekday ? b.activeDay : b.activeDay / 3)) return [];
  const offset = OFFSET_HOURS[account.timezone] ?? 0;
  const workTime = () => dayStart + (rng.int(8, 18) - offset) * HOUR + rng.int(0, HOUR - 1);
  const plan: Planned[] = [];
  const someone = () => rng.pick(account.users);

  if (signupDay) {
    const at = workTime();
    plan.push({ type: 'signed_up', at, user: account.users[0]! });
    if (rng.chance(0.6))
      plan.push({ type: 'activation_milestone', at: at + 20 * 60_000, user: account.users[0]! });
  }
  for (const user of account.users) {
    if (!rng.chance(b.userActive)) continue;
    const sessions = Math.max(1, rng.poisson(b.sessionsPerUser));
    for (let s = 0; s < sessions; s++) {
      const at = workTime();
      plan.push({ type: 'session_started', at, user });
      const features = rng.poisson(b.featuresPerSession);
      for (let f = 0; f < features; f++) plan.push({ type: 'feature_used', at: at + (f + 1) * 90_000, user });
    }
  }
  const moments: readonly (readonly [string, number])[] = [
    ['teammate_invited', b.invites],
    ['pricing_page_viewed', b.pricingViews],
    ['premium_feature_attempted', b.premiumAttempts],
    ['usage_limit_approached', b.limitApproached],
    ['usage_limit_hit', b.limitHit],
    ['integration_connected', b.integrations],
    ['demo_requested', b.demoRequests],
  ];
  for (const [type, rate] of moments) {
    const count = rng.poisson(rate);
    for (let k = 0; k < count; k++) plan.push({ type, at: workTime(), user: someone() });
  }
  if (rng.chance(b.checkout)) {
    const at = workTime();
    const user = someone();
    plan.push({ type: 'upgrade_started', at, user });
    if (rng.chance(0.7)) plan.push({ type: 'plan_changed', at: at + 10 * 60_000, user });
  }
  return plan.sort((x, y) => x.at - y.at);
}

export interface LiveTraffic {
  /** The next event, stamped `at`: a busy account is proportionally more likely to send it. */
  next(at: number): UsageEventBody;
}

/**
 * A live stream: each event comes from an account drawn by its share of daily traffic, of a
 * type drawn from that account's own behaviour. Most events are sessions and feature use from
 * the busy accounts; intent moments are rare, as in a real product.
 */
export function createLiveTraffic(
  accounts: readonly AccountProfile[],
  options: { seed?: number | string; ids?: EventIds } = {},
): LiveTraffic {
  const rng = createRng(options.seed ?? 'pls-live');
  const ids = options.ids ?? createEventIds();
  const cumulative = new Float64Array(accounts.length);
  let total = 0;
  accounts.forEach((account, i) => {
    total += account.weight;
    cumulative[i] = total;
  });
  const mixes = new WeakMap<AccountProfile, readonly (readonly [string, number])[]>();
  const mixOf = (account: AccountProfile) => {
    const b = account.behaviour;
    let mix = mixes.get(account);
    if (!mix) {
      const sessions = account.users.length * b.userActive * b.sessionsPerUser;
      mix = [
        ['session_started', sessions],
        ['feature_used', sessions * b.featuresPerSession],
        ['teammate_invited', b.invites],
        ['pricing_page_viewed', b.pricingViews],
        ['premium_feature_attempted', b.premiumAttempts],
        ['usage_limit_approached', b.limitApproached],
        ['usage_limit_hit', b.limitHit],
        ['integration_connected', b.integrations],
        ['demo_requested', b.demoRequests],
        ['upgrade_started', b.checkout],
      ];
      mixes.set(account, mix);
    }
    return mix;
  };
  return {
    next(at) {
      const roll = rng.next() * total;
      let lo = 0;
      let hi = accounts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! <= roll) lo = mid + 1;
        else hi = mid;
      }
      const account = accounts[lo]!;
      const type = rng.weighted(mixOf(account));
      return usageEvent(type, account, rng.pick(account.users), at, ids.next(at), rng);
    },
  };
}

/**
 * A short history that takes an account up to the edge of a handoff, ~25 events: four of its
 * people active on five days, two features, two invites, an integration (what
 * test/support/events.ts `warmingAccount` does). Everything but the intent moment, ending at
 * `endAt`; a run that wants it scored but never paged ends it more than `stale_after` ago.
 */
export function warmUpEvents(
  account: AccountProfile,
  endAt: number,
  ids: EventIds,
  rng: Rng,
): UsageEventBody[] {
  const events: UsageEventBody[] = [];
  const people = account.users.slice(0, 4);
  people.forEach((user, i) => {
    for (let day = 0; day < 5; day++) {
      const at = endAt - day * DAY - (i + 1) * HOUR;
      events.push(usageEvent('session_started', account, user, at, ids.next(at), rng));
    }
  });
  const someone = people[0] ?? null;
  for (const [type, hoursAgo] of [
    ['feature_used', 3],
    ['feature_used', 2],
    ['teammate_invited', 5],
    ['teammate_invited', 4],
    ['integration_connected', 6],
  ] as const) {
    const at = endAt - hoursAgo * HOUR;
    events.push(usageEvent(type, account, someone, at, ids.next(at), rng));
  }
  return events.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
}
