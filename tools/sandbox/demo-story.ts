/**
 * The demo's product usage: a few hundred B2B SaaS accounts as a product would report them to
 * `POST /webhooks/usage`. Most are cold; some are self-serve heroes (tiny teams on
 * gmail, very active, hitting limits) pls must never page about; some buy on their own; a few
 * turn warm on pricing views or gated features; a handful turn hot with usage-limit hits,
 * demo requests or an SSO attempt.
 *
 * Each account has a past and a future. The past is *backfill*: events with their real
 * timestamps, sent in the first seconds, all older than `stale_after`, so they build scores
 * without paging anyone, exactly like a late delivery. The future is *live*: events sent at
 * `sendAt` (ms after the start, divided by the speed) and stamped when sent, so the moments that
 * raise alerts arrive fresh.
 *
 * Pure and seeded: the same seed plays the same story, whatever the hour it starts (issue 19).
 * The past is not dated back from the start instant (which would put every account's sessions at
 * the hour you happened to start, and make that its "best time to reach"): it falls on the
 * calendar days before the story's day in `zone` (the manifest's timezone), each account's
 * sessions in its own working hours in its own timezone. Started at 03:00 or at 15:00 on the
 * same day, the backfill is the same to the millisecond.
 */

import { DateTime } from 'luxon';
import { createRng, type Rng } from '../../src/domain/rng.js';
import {
  FEATURES,
  FIRST,
  FREE_MAIL,
  GATED,
  INDUSTRIES,
  INTEGRATIONS,
  LAST,
  LIMITS,
  MILESTONES,
  PLACES,
  ROOTS,
  SUFFIXES,
  TITLES,
} from './demo-vocabulary.js';

export interface DemoEvent {
  id: string;
  type: string;
  account: DemoAccount;
  user?: DemoPerson;
  properties?: Record<string, unknown>;
}

export interface StoryEvent {
  /** Backfill: when it happened (epoch ms). */
  occurredAt?: number;
  /** Live: ms after the story starts (before the speed knob divides it). */
  sendAt?: number;
  event: DemoEvent;
}

export type Persona = 'cold' | 'hero' | 'quiet_converter' | 'late_converter' | 'warm' | 'hot' | 'expansion';

export interface Story {
  events: StoryEvent[];
  accounts: { id: string; name: string; persona: Persona }[];
  /** When the last live event is due (ms after the start). */
  liveMs: number;
}

export interface DemoAccount {
  id: string;
  name: string;
  domain?: string;
  plan: string;
  employees: number;
  industry: string;
  country: string;
  timezone: string;
  owner?: string;
}

export interface DemoPerson {
  id: string;
  email: string;
  name: string;
  title: string;
}

const MINUTE = 60_000;

/** The live part of the default story runs this long at ×1. */
export const LIVE_MS = 4 * MINUTE;

/**
 * Backfill falls on these days before the story's day. With the accounts' working hours (08:00 to
 * 19:00 their time) and their zones within 6 hours of the manifest's, day 2 is more than 24 hours
 * (`stale_after`) before any start hour and day 6 less than 7 days: a backfill never pages and
 * always counts as this week, whatever the hour (test/unit/sandbox/demo-story.test.ts).
 */
const FIRST_PAST_DAY = 2;
const LAST_PAST_DAY = 6;
/**
 * Sessions fall on days 2–5 only: the live part lands on the story's day, or (east of the
 * manifest's zone, late in its evening) on the next one, which is day 6's weekday, and must not
 * add to the weekday of a habit: the dossier's busiest days would then follow the start hour.
 */
const HABIT_DAYS = 4;
/** When the accounts' people work, on their own clocks. */
const OFFICE_HOURS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];

// ─── Who ─────────────────────────────────────────────────────────────────────────────

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** Builds one account's events; `past` and `live` keep each one in its half of the story. */
class AccountScript {
  readonly events: StoryEvent[] = [];
  readonly people: DemoPerson[] = [];
  private n = 0;

  /** The local hour the account's people are usually in the product (their habit starts then). */
  private readonly peak: number;
  private sessions = 0;

  constructor(
    readonly account: DemoAccount,
    private readonly random: Rng,
    private readonly storyDay: DateTime,
    private readonly idPrefix: string,
    freeMail: boolean,
    headcount: number,
  ) {
    this.peak = random.int(9, 16);
    for (let i = 0; i < headcount; i++) {
      const first = random.pick(FIRST);
      const last = random.pick(LAST);
      const local = `${slug(first)}.${slug(last)}`;
      this.people.push({
        id: `${account.id}_u${i + 1}`,
        email: freeMail
          ? `${local}${random.int(1, 99)}@${random.pick(FREE_MAIL)}`
          : `${local}@${account.domain}`,
        name: `${first} ${last}`,
        title: random.pick(TITLES),
      });
    }
  }

  private event(type: string, person: DemoPerson | null, properties?: Record<string, unknown>): DemoEvent {
    this.n += 1;
    return {
      id: `${this.idPrefix}_${this.account.id}_${this.n}`,
      type,
      account: this.account,
      ...(person ? { user: person } : {}),
      ...(properties ? { properties } : {}),
    };
  }

  person(index: number): DemoPerson {
    return this.people[index % this.people.length]!;
  }

  /**
   * Happened `day` calendar days before the story's day, at `hour` on the account's own clock
   * (by default a working hour, `hourOf`).
   */
  past(
    day: number,
    type: string,
    person: DemoPerson | null,
    properties?: Record<string, unknown>,
    hour = this.hourOf(type),
  ): void {
    if (!Number.isInteger(day) || day < FIRST_PAST_DAY || day > LAST_PAST_DAY)
      throw new RangeError(`backfill day ${day}: days ${FIRST_PAST_DAY}–${LAST_PAST_DAY} only`);
    const date = this.storyDay.minus({ days: day });
    const at = DateTime.fromObject(
      { year: date.year, month: date.month, day: date.day, hour, minute: this.random.int(0, 59) },
      { zone: this.account.timezone },
    );
    this.events.push({ occurredAt: at.toMillis(), event: this.event(type, person, properties) });
  }

  /**
   * The hour an event starts: a session in the account's habit, not the hour the story happens to
   * start; four sessions in five in the two hours from its peak, in turn, the fifth at another
   * office hour, never one next to the habit. So the habit is its busiest two hours by a margin
   * the few live sessions (at whatever hour the story plays) cannot close. Anything else: any
   * office hour.
   */
  hourOf(type: string): number {
    if (type !== 'session_started') return this.random.pick(OFFICE_HOURS);
    const turn = this.sessions++;
    if (turn % 5 !== 4) return this.peak + (turn % 2);
    return this.random.pick(OFFICE_HOURS.filter((h) => h < this.peak - 1 || h > this.peak + 2));
  }

  /** The start of the account's working day, for what comes first (a sign-up). */
  get morning(): number {
    return this.peak - 1;
  }

  /** After the morning's habit, for what follows a sign-up the same day. */
  get afternoon(): number {
    return this.peak + 2;
  }

  live(sendAt: number, type: string, person: DemoPerson | null, properties?: Record<string, unknown>): void {
    this.events.push({ sendAt: Math.max(0, sendAt), event: this.event(type, person, properties) });
  }

  /** `days` active days before the story's day, `perDay` sessions by the first `users` people. */
  habit(days: number, users: number, perDay: [number, number]): void {
    if (days > HABIT_DAYS) throw new RangeError(`a habit of ${days} days: ${HABIT_DAYS} at most`);
    for (let day = FIRST_PAST_DAY; day < FIRST_PAST_DAY + days; day++) {
      for (let u = 0; u < users; u++) {
        const sessions = this.random.int(...perDay);
        for (let s = 0; s < sessions; s++) this.past(day, 'session_started', this.person(u));
      }
    }
  }
}

interface StoryContext {
  random: Rng;
  /** Midnight starting the story's day, in the manifest's timezone. */
  storyDay: DateTime;
  idPrefix: string;
}

function storyDayOf(now: number, zone: string): DateTime {
  const day = DateTime.fromMillis(now, { zone }).startOf('day');
  if (!day.isValid) throw new RangeError(`not a timezone: ${zone}`);
  return day;
}

/** The index-th company name (unique for 900 indexes); no domain for a team on free mail. */
function newAccount(
  ctx: StoryContext,
  index: number,
  shape: Partial<DemoAccount> & { employees: number },
  freeMail = false,
): DemoAccount {
  const root = ROOTS[index % ROOTS.length]!;
  const suffix = SUFFIXES[Math.floor(index / ROOTS.length) % SUFFIXES.length]!;
  const place = ctx.random.pick(PLACES);
  return {
    id: `acct_${slug(root)}_${slug(suffix)}`,
    name: `${root} ${suffix}`,
    ...(freeMail ? {} : { domain: `${slug(root)}${slug(suffix)}.com` }),
    plan: 'free',
    industry: ctx.random.pick(INDUSTRIES),
    country: place.country,
    timezone: place.timezone,
    ...shape,
  };
}

// ─── Personas ────────────────────────────────────────────────────────────────────────

/** Signed up, poked around, left or stays small. Most accounts. */
function cold(ctx: StoryContext, index: number, liveMs: number): AccountScript {
  const { random } = ctx;
  const account = newAccount(ctx, index, { employees: random.pick([0, 3, 8, 15, 30, 60, 120, 400]) });
  const script = new AccountScript(
    account,
    random,
    ctx.storyDay,
    ctx.idPrefix,
    random.chance(0.3),
    random.int(1, 2),
  );
  const signedUp = random.int(FIRST_PAST_DAY, LAST_PAST_DAY);
  script.past(signedUp, 'signed_up', script.person(0), undefined, script.morning);
  if (random.chance(0.3))
    script.past(
      signedUp,
      'activation_milestone',
      script.person(0),
      { milestone: 'first_project' },
      script.afternoon,
    );
  for (let i = random.int(1, 4); i > 0; i--)
    script.past(random.int(FIRST_PAST_DAY, signedUp), 'session_started', script.person(i));
  if (random.chance(0.4))
    script.past(random.int(FIRST_PAST_DAY, signedUp), 'feature_used', script.person(0), {
      feature: random.pick(FEATURES),
    });
  if (random.chance(0.15)) script.past(random.int(2, 6), 'pricing_page_viewed', script.person(0));
  if (random.chance(0.3)) script.live(random.int(0, liveMs), 'session_started', script.person(0));
  return script;
}

/** Tiny team on free mail, in the product every day, hitting limits: self-serve, never paged. */
function hero(ctx: StoryContext, index: number, liveMs: number): AccountScript {
  const { random } = ctx;
  const account = newAccount(ctx, index, { employees: random.int(1, 9) }, true);
  const script = new AccountScript(account, random, ctx.storyDay, ctx.idPrefix, true, random.int(1, 2));
  const me = script.person(0);
  script.past(6, 'signed_up', me, undefined, script.morning);
  script.past(6, 'activation_milestone', me, { milestone: 'first_project' }, script.afternoon);
  script.past(4, 'activation_milestone', me, { milestone: 'first_api_call' });
  script.habit(HABIT_DAYS, 1, [2, 4]);
  for (const feature of FEATURES.slice(0, random.int(3, 6)))
    script.past(random.int(2, 5), 'feature_used', me, { feature });
  script.past(3, 'integration_connected', me, { integration: 'github' });
  const limit = random.pick(LIMITS);
  script.past(2, 'usage_limit_approached', me, {
    limit: limit.limit,
    used: Math.round(limit.quota * 0.85),
    quota: limit.quota,
  });
  const at = random.int(0, liveMs);
  script.live(at - 2_000, 'session_started', me);
  script.live(at, 'usage_limit_hit', me, { limit: limit.limit, used: limit.quota, quota: limit.quota });
  return script;
}

/** A real team that uses the product and is curious about pricing, short of hot. */
function warmHistory(ctx: StoryContext, index: number, employees: number): AccountScript {
  const { random } = ctx;
  const account = newAccount(ctx, index, { employees });
  const script = new AccountScript(account, random, ctx.storyDay, ctx.idPrefix, false, 3);
  script.past(6, 'signed_up', script.person(0), undefined, script.morning);
  script.past(5, 'activation_milestone', script.person(0), { milestone: 'first_project' });
  script.habit(3, 3, [1, 1]);
  for (const feature of FEATURES.slice(0, 3))
    script.past(random.int(2, 4), 'feature_used', script.person(1), { feature });
  script.past(4, 'teammate_invited', script.person(0), { invitee_email: `new.hire@${account.domain}` });
  return script;
}

/** Warm: two pricing views earlier in the week, the third live; or a gated feature live. */
function warm(ctx: StoryContext, index: number, employees: number, at: number, variant: 'pricing' | 'gated') {
  const script = warmHistory(ctx, index, employees);
  const who = script.person(ctx.random.int(0, 2));
  if (variant === 'pricing') {
    script.past(4, 'pricing_page_viewed', who);
    script.past(2, 'pricing_page_viewed', who);
    script.live(at - 3_000, 'session_started', who);
    script.live(at, 'pricing_page_viewed', who);
  } else {
    const gated = ctx.random.pick(GATED);
    script.live(at - 3_000, 'session_started', who);
    script.live(at, 'premium_feature_attempted', who, { ...gated });
  }
  return script;
}

/** Warm alert first, then they buy on their own: pls closes the alert as self-served. */
function lateConverter(ctx: StoryContext, index: number, employees: number, at: number) {
  const script = warm(ctx, index, employees, at, 'gated');
  const buyer = script.person(0);
  script.live(at + 50_000, 'pricing_page_viewed', buyer);
  script.live(at + 70_000, 'upgrade_started', buyer, { plan: 'team' });
  script.live(at + 110_000, 'plan_changed', buyer, { plan: 'team' });
  return script;
}

/**
 * A paying customer outgrowing its plan (the expansion play): a team in the product every day,
 * near its API quota on two days earlier in the week, and a third time live.
 */
function expansion(ctx: StoryContext, index: number, at: number): AccountScript {
  const { random } = ctx;
  const account = newAccount(ctx, index, { employees: random.pick([80, 140, 260]), plan: 'team' });
  const script = new AccountScript(account, random, ctx.storyDay, ctx.idPrefix, false, 6);
  script.habit(HABIT_DAYS, 6, [1, 2]);
  for (const feature of FEATURES.slice(0, 4))
    script.past(random.int(2, 5), 'feature_used', script.person(1), { feature });
  const lead = script.person(0);
  const reading = (used: number) => ({ limit: 'api_calls', used, quota: 10_000 });
  script.past(5, 'usage_limit_approached', lead, reading(8_600));
  script.past(3, 'usage_limit_approached', lead, reading(9_100));
  script.live(at - 3_000, 'session_started', lead);
  script.live(at, 'usage_limit_approached', lead, reading(9_400));
  return script;
}

/** Buys without talking to anyone: upgrade_started keeps reps away, plan_changed makes it paid. */
function quietConverter(ctx: StoryContext, index: number, liveMs: number) {
  const { random } = ctx;
  const script = warmHistory(ctx, index, random.int(20, 200));
  const buyer = script.person(0);
  script.past(2, 'pricing_page_viewed', buyer);
  const at = random.int(0, liveMs - 60_000);
  script.live(at, 'upgrade_started', buyer, { plan: 'team' });
  script.live(at + 5_000, 'pricing_page_viewed', buyer);
  script.live(at + random.int(20_000, 60_000), 'plan_changed', buyer, {
    plan: random.pick(['team', 'business']),
  });
  return script;
}

export type HotMoment = 'limit' | 'demo' | 'sso';

/**
 * Hot: a team of five in the product every day for a week, integrations, invites, a pricing
 * visit; the intent gate holds it cold until the live moment (a limit hit, a demo request, an
 * SSO attempt) makes it hot with a reason a rep can quote. A later signal lands in the thread.
 */
function hot(
  ctx: StoryContext,
  index: number,
  shape: Partial<DemoAccount> & { employees: number },
  at: number,
  moment: HotMoment,
) {
  const { random } = ctx;
  const account = newAccount(ctx, index, shape);
  const script = new AccountScript(account, random, ctx.storyDay, ctx.idPrefix, false, 5);
  const champion = script.person(0);
  script.past(6, 'signed_up', champion, undefined, script.morning);
  MILESTONES.slice(0, 3).forEach((milestone, i) => {
    script.past(6 - i, 'activation_milestone', script.person(i), { milestone }, script.afternoon);
  });
  script.habit(HABIT_DAYS, 5, [1, 2]);
  for (const [i, feature] of FEATURES.slice(0, 6).entries())
    script.past(6 - (i % 5), 'feature_used', script.person(i), { feature });
  script.past(4, 'integration_connected', champion, { integration: random.pick(INTEGRATIONS) });
  script.past(3, 'integration_connected', script.person(1), { integration: 'slack' });
  for (let i = 0; i < 3; i++)
    script.past(5 - i, 'teammate_invited', champion, {
      invitee_email: `${random.pick(FIRST).toLowerCase()}@${account.domain}`,
    });
  script.past(2, 'pricing_page_viewed', champion);
  script.live(at - 4_000, 'session_started', champion);
  script.live(at - 2_000, 'session_started', script.person(2));
  if (moment === 'limit') {
    const limit = random.pick(LIMITS);
    script.live(at, 'usage_limit_hit', champion, {
      limit: limit.limit,
      used: limit.quota,
      quota: limit.quota,
    });
  } else if (moment === 'demo') {
    script.live(at, 'demo_requested', champion);
  } else {
    script.live(at, 'premium_feature_attempted', champion, { feature: 'sso', plan: 'enterprise' });
  }
  script.live(at + 45_000, 'pricing_page_viewed', script.person(3));
  return script;
}

// ─── The story ───────────────────────────────────────────────────────────────────────

const S = 1_000;

/** When the hot and warm moments land (ms into the live part at ×1), and who they happen to. */
const HOT_CAST: readonly {
  at: number;
  moment: HotMoment;
  shape: Partial<DemoAccount> & { employees: number };
}[] = [
  { at: 5 * S, moment: 'limit', shape: { employees: 250, country: 'US', timezone: 'America/Chicago' } },
  { at: 25 * S, moment: 'limit', shape: { employees: 60, country: 'US', timezone: 'America/New_York' } },
  {
    at: 45 * S,
    moment: 'sso',
    shape: { employees: 2_500, country: 'GB', timezone: 'Europe/London', industry: 'fintech' },
  },
  { at: 70 * S, moment: 'demo', shape: { employees: 400, country: 'CA', timezone: 'America/Toronto' } },
  { at: 100 * S, moment: 'limit', shape: { employees: 45, country: 'US', timezone: 'America/Los_Angeles' } },
  { at: 135 * S, moment: 'limit', shape: { employees: 180, country: 'DE', timezone: 'Europe/Berlin' } },
  { at: 170 * S, moment: 'limit', shape: { employees: 1_200, country: 'US', timezone: 'America/New_York' } },
  {
    at: 205 * S,
    moment: 'limit',
    shape: { employees: 700, country: 'US', timezone: 'America/Chicago', owner: 'ben@seller.com' },
  },
];
const WARM_CAST: readonly { at: number; employees: number; variant: 'pricing' | 'gated' }[] = [
  { at: 15 * S, employees: 80, variant: 'pricing' },
  { at: 40 * S, employees: 150, variant: 'gated' },
  { at: 60 * S, employees: 40, variant: 'pricing' },
  { at: 90 * S, employees: 300, variant: 'gated' },
  { at: 125 * S, employees: 60, variant: 'pricing' },
  { at: 160 * S, employees: 220, variant: 'pricing' },
  { at: 195 * S, employees: 90, variant: 'gated' },
];
const LATE_CONVERTERS: readonly { at: number; employees: number }[] = [
  { at: 20 * S, employees: 70 },
  { at: 80 * S, employees: 130 },
];

export interface StoryOptions {
  /** When the story starts: its live part is timed from here. */
  now: number;
  /** The timezone whose calendar days the backfill falls on (the manifest's `timezone`). */
  zone: string;
  seed?: number;
  /** Accounts in all (at least the hot, warm and converting cast). Default 300. */
  accounts?: number;
}

/** When the paying customers near their quota live (ms after the start). */
const EXPANSION_AT = [75_000, 190_000];

export function createDemoStory(options: StoryOptions): Story {
  const random = createRng(options.seed ?? 42);
  const ctx: StoryContext = {
    random,
    storyDay: storyDayOf(options.now, options.zone),
    idPrefix: `evt_demo${options.seed ?? 42}`,
  };
  const total = Math.max(
    options.accounts ?? 300,
    HOT_CAST.length + WARM_CAST.length + LATE_CONVERTERS.length + EXPANSION_AT.length,
  );
  const cast: { script: AccountScript; persona: Persona }[] = [];
  let index = 0;
  const add = (persona: Persona, script: AccountScript) => {
    cast.push({ script, persona });
    index += 1;
  };
  for (const h of HOT_CAST) add('hot', hot(ctx, index, h.shape, h.at, h.moment));
  for (const w of WARM_CAST) add('warm', warm(ctx, index, w.employees, w.at, w.variant));
  for (const l of LATE_CONVERTERS) add('late_converter', lateConverter(ctx, index, l.employees, l.at));
  for (const at of EXPANSION_AT) add('expansion', expansion(ctx, index, at));
  const rest = total - cast.length;
  const quiet = Math.round(rest * 0.04);
  const heroes = Math.round(rest * 0.09);
  for (let i = 0; i < quiet; i++) add('quiet_converter', quietConverter(ctx, index, LIVE_MS));
  for (let i = 0; i < heroes; i++) add('hero', hero(ctx, index, LIVE_MS));
  while (cast.length < total) add('cold', cold(ctx, index, LIVE_MS));

  const events = cast.flatMap((c) => c.script.events);
  return {
    events: order(events),
    accounts: cast.map((c) => ({ id: c.script.account.id, name: c.script.account.name, persona: c.persona })),
    liveMs: Math.max(0, ...events.map((e) => e.sendAt ?? 0)),
  };
}

/**
 * One more account turning hot right now (the page's "Make an account hot" button): its week
 * of history as backfill, and the limit hit due at once. `n` keeps names and ids unique.
 */
export function createHotAccountStory(options: { now: number; zone: string; n: number }): Story {
  const random = createRng(1_000 + options.n);
  const ctx: StoryContext = {
    random,
    storyDay: storyDayOf(options.now, options.zone),
    idPrefix: `evt_hot${options.n}_${options.now.toString(36)}`,
  };
  const shape = {
    employees: random.pick([60, 150, 320, 800, 1_500]),
    ...random.pick(PLACES.filter((p) => p.country === 'US' || p.country === 'CA')),
  };
  // Names after the default story's 300 so the button's accounts are new ones.
  const script = hot(ctx, 300 + options.n * 7, shape, 1_000, 'limit');
  script.account.id = `${script.account.id}_${options.n + 1}`;
  return {
    events: order(script.events),
    accounts: [{ id: script.account.id, name: script.account.name, persona: 'hot' }],
    liveMs: Math.max(0, ...script.events.map((e) => e.sendAt ?? 0)),
  };
}

/** Backfill first, oldest first; then live events by when they are due. */
function order(events: StoryEvent[]): StoryEvent[] {
  const backfill = events
    .filter((e) => e.occurredAt !== undefined)
    .sort((a, b) => a.occurredAt! - b.occurredAt!);
  const live = events.filter((e) => e.sendAt !== undefined).sort((a, b) => a.sendAt! - b.sendAt!);
  return [...backfill, ...live];
}
