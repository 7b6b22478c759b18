import { createRng, type Rng } from '../../src/domain/rng.js';

/**
 * A population of customer accounts shaped like a product-led SaaS funnel: most accounts are
 * cold (signed up, poked around, left), some are self-serve heroes (very active, but a solo
 * developer or a tiny team on a free-mail domain: never a sales conversation), some are warm
 * teams, a few are hot (many seats, integrations, pricing research, limit hits) and a few buy on
 * their own. Pure data and a seed: the benchmark and a sandbox's demo traffic draw the same
 * accounts from the same seed.
 */
export type Archetype = 'cold' | 'hero' | 'warm' | 'hot' | 'buyer';

/** Per-day behaviour. Rates are Poisson means: per active user (sessions, features) or per active account-day. */
export interface Behaviour {
  /** Probability that the account is active on a weekday (weekends are a third of it). */
  activeDay: number;
  /** Probability that a given user of the account is active on an active day. */
  userActive: number;
  sessionsPerUser: number;
  featuresPerSession: number;
  invites: number;
  pricingViews: number;
  premiumAttempts: number;
  limitApproached: number;
  limitHit: number;
  integrations: number;
  demoRequests: number;
  /** Buyers: probability per active day of starting a self-serve checkout. */
  checkout: number;
}

export interface AccountUser {
  id: string;
  email: string;
  name: string;
  title: string;
}

export interface AccountProfile {
  id: string;
  archetype: Archetype;
  name: string;
  /** The company's website domain; null for a personal account on a free-mail address. */
  domain: string | null;
  plan: 'free' | 'starter' | 'team';
  employees: number;
  industry: string;
  country: string;
  timezone: string;
  owner: string | null;
  users: AccountUser[];
  behaviour: Behaviour;
  /** Relative share of live traffic (events a day, expected): heavy accounts send more. */
  weight: number;
}

interface ArchetypeSpec {
  share: number;
  employees: { median: number; sigma: number; min: number; max: number };
  users: [number, number];
  freeMail: number;
  behaviour: Behaviour;
}

/** The funnel. Shares add up to 1; behaviour is per day. */
export const ARCHETYPES: Record<Archetype, ArchetypeSpec> = {
  cold: {
    share: 0.72,
    employees: { median: 25, sigma: 1.4, min: 1, max: 20_000 },
    users: [1, 2],
    freeMail: 0.35,
    behaviour: {
      activeDay: 0.12,
      userActive: 0.8,
      sessionsPerUser: 1.2,
      featuresPerSession: 0.5,
      invites: 0.01,
      pricingViews: 0.03,
      premiumAttempts: 0.005,
      limitApproached: 0,
      limitHit: 0,
      integrations: 0.003,
      demoRequests: 0.0005,
      checkout: 0,
    },
  },
  hero: {
    share: 0.12,
    employees: { median: 4, sigma: 0.8, min: 1, max: 19 },
    users: [1, 3],
    freeMail: 0.6,
    behaviour: {
      activeDay: 0.85,
      userActive: 0.9,
      sessionsPerUser: 4,
      featuresPerSession: 1.5,
      invites: 0.03,
      pricingViews: 0.08,
      premiumAttempts: 0.06,
      limitApproached: 0.12,
      limitHit: 0.06,
      integrations: 0.03,
      demoRequests: 0,
      checkout: 0,
    },
  },
  warm: {
    share: 0.11,
    employees: { median: 120, sigma: 1, min: 20, max: 5_000 },
    users: [3, 8],
    freeMail: 0.05,
    behaviour: {
      activeDay: 0.6,
      userActive: 0.6,
      sessionsPerUser: 2,
      featuresPerSession: 1,
      invites: 0.12,
      pricingViews: 0.15,
      premiumAttempts: 0.05,
      limitApproached: 0.05,
      limitHit: 0.015,
      integrations: 0.03,
      demoRequests: 0.002,
      checkout: 0,
    },
  },
  hot: {
    share: 0.03,
    employees: { median: 400, sigma: 1, min: 50, max: 20_000 },
    users: [6, 25],
    freeMail: 0,
    behaviour: {
      activeDay: 0.92,
      userActive: 0.7,
      sessionsPerUser: 3,
      featuresPerSession: 1.5,
      invites: 0.4,
      pricingViews: 0.5,
      premiumAttempts: 0.2,
      limitApproached: 0.2,
      limitHit: 0.08,
      integrations: 0.1,
      demoRequests: 0.02,
      checkout: 0,
    },
  },
  buyer: {
    share: 0.02,
    employees: { median: 40, sigma: 0.8, min: 5, max: 500 },
    users: [2, 6],
    freeMail: 0.1,
    behaviour: {
      activeDay: 0.7,
      userActive: 0.7,
      sessionsPerUser: 2,
      featuresPerSession: 1.2,
      invites: 0.1,
      pricingViews: 0.3,
      premiumAttempts: 0.05,
      limitApproached: 0.08,
      limitHit: 0.03,
      integrations: 0.05,
      demoRequests: 0,
      checkout: 0.05,
    },
  },
};

const COUNTRIES: readonly (readonly [readonly [string, string], number])[] = [
  [['US', 'America/New_York'], 25],
  [['US', 'America/Chicago'], 10],
  [['US', 'America/Los_Angeles'], 12],
  [['CA', 'America/Toronto'], 5],
  [['GB', 'Europe/London'], 10],
  [['DE', 'Europe/Berlin'], 8],
  [['FR', 'Europe/Paris'], 5],
  [['NL', 'Europe/Amsterdam'], 3],
  [['SE', 'Europe/Stockholm'], 2],
  [['IN', 'Asia/Kolkata'], 8],
  [['BR', 'America/Sao_Paulo'], 5],
  [['AU', 'Australia/Sydney'], 4],
  [['JP', 'Asia/Tokyo'], 3],
];
const INDUSTRIES = [
  'software',
  'fintech',
  'healthcare',
  'e-commerce',
  'education',
  'media',
  'logistics',
  'manufacturing',
  'agency',
  'non-profit',
] as const;
const SYLLABLES = ['ac', 'me', 'lo', 'vi', 'tra', 'no', 'ze', 'qu', 'ra', 'bel', 'kin', 'dor', 'sa', 'fy'];
const SUFFIXES = ['Labs', 'Inc', 'Systems', 'Cloud', 'Works', 'Analytics', 'Health', 'Pay', 'HQ', 'Studio'];
const FIRST = [
  'Kim',
  'Ana',
  'Raj',
  'Lea',
  'Tom',
  'Mei',
  'Sam',
  'Ola',
  'Ivy',
  'Noah',
  'Zoe',
  'Luis',
  'Aya',
  'Ben',
];
const LAST = ['Lee', 'Patel', 'Garcia', 'Smith', 'Kowalski', 'Chen', 'Okafor', 'Silva', 'Muller', 'Sato'];
const TITLES = [
  'Software Engineer',
  'Senior Engineer',
  'Engineering Manager',
  'VP Engineering',
  'CTO',
  'Product Manager',
  'Data Analyst',
  'Head of Data',
  'Designer',
  'Founder',
] as const;
const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me'];

export interface AccountOptions {
  seed?: number | string;
  /** Account ids are `${idPrefix}${index}`. */
  idPrefix?: string;
  /** CRM owners (rep emails or Slack ids) set on a share of warm and hot accounts. */
  owners?: readonly string[];
  /** Override the funnel's shares, e.g. `{ hot: 1 }` for a run of hot accounts only. */
  shares?: Partial<Record<Archetype, number>>;
}

/** `count` accounts, deterministic for a seed. */
export function createAccounts(count: number, options: AccountOptions = {}): AccountProfile[] {
  const rng = createRng(options.seed ?? 'pls-accounts');
  const shares = { ...sharesOf(ARCHETYPES), ...options.shares };
  const mix = (Object.keys(ARCHETYPES) as Archetype[]).map((a) => [a, shares[a] ?? 0] as const);
  const accounts: AccountProfile[] = [];
  for (let index = 0; index < count; index++) {
    accounts.push(createAccount(index, rng.weighted(mix), rng.fork(index), options));
  }
  return accounts;
}

function createAccount(
  index: number,
  archetype: Archetype,
  rng: Rng,
  options: AccountOptions,
): AccountProfile {
  const spec = ARCHETYPES[archetype];
  const id = `${options.idPrefix ?? 'acct_'}${index}`;
  const stem = Array.from({ length: rng.int(2, 3) }, () => rng.pick(SYLLABLES)).join('');
  const name = `${stem[0]!.toUpperCase()}${stem.slice(1)} ${rng.pick(SUFFIXES)}`;
  const companyDomain = `${stem}${index}.example`;
  const freeMail = rng.chance(spec.freeMail);
  const { median, sigma, min, max } = spec.employees;
  const employees = Math.round(Math.min(max, Math.max(min, rng.logNormal(median, sigma))));
  const [country, timezone] = rng.weighted(COUNTRIES);
  const userCount = rng.int(spec.users[0], spec.users[1]);
  const users: AccountUser[] = Array.from({ length: userCount }, (_, k) => {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const mailDomain = freeMail ? rng.pick(FREE_MAIL) : companyDomain;
    return {
      id: `u_${index}_${k}`,
      email: `${first}.${last}${freeMail ? index : ''}@${mailDomain}`.toLowerCase(),
      name: `${first} ${last}`,
      title: rng.pick(TITLES),
    };
  });
  const owners = options.owners ?? [];
  const owner =
    owners.length > 0 && (archetype === 'hot' || archetype === 'warm') && rng.chance(0.2)
      ? rng.pick(owners)
      : null;
  const b = spec.behaviour;
  const perActiveDay =
    users.length * b.userActive * b.sessionsPerUser * (1 + b.featuresPerSession) +
    b.invites +
    b.pricingViews +
    b.premiumAttempts +
    b.limitApproached +
    b.limitHit +
    b.integrations;
  return {
    id,
    archetype,
    name,
    domain: freeMail ? null : companyDomain,
    plan: archetype === 'buyer' || rng.chance(0.7) ? 'free' : rng.chance(0.7) ? 'starter' : 'team',
    employees,
    industry: rng.pick(INDUSTRIES),
    country,
    timezone,
    owner,
    users,
    behaviour: b,
    weight: perActiveDay * b.activeDay,
  };
}

function sharesOf(specs: Record<Archetype, ArchetypeSpec>): Record<Archetype, number> {
  return Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, v.share])) as Record<Archetype, number>;
}

/** How many accounts of each archetype: for a report line. */
export function countArchetypes(accounts: readonly AccountProfile[]): Record<Archetype, number> {
  const counts: Record<Archetype, number> = { cold: 0, hero: 0, warm: 0, hot: 0, buyer: 0 };
  for (const account of accounts) counts[account.archetype]++;
  return counts;
}
