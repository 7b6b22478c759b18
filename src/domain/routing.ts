import { isWithinHours, nextOpening } from './business-hours.js';
import type { Rep, Routing, Team } from './definition.js';
import { matchesConditions } from './match.js';

export interface RoutableAccount {
  employees: number | null;
  country: string | null;
  industry: string | null;
  plan: string | null;
  domain: string | null;
  /** The owner an event named (a rep's email or Slack user id): first. */
  owner: string | null;
  /** The CRM's owner of the account's company, as a Slack user id (src/integrations/owner-lookup.ts): second. */
  crmOwner?: string | null;
}

/** What routing needs to know about each rep right now. */
export interface RepLoad {
  ooo: boolean;
  /** Alerts the rep holds that are not closed (claimed or contacted). */
  open: number;
  /** Alerts suggested to the rep recently (a rolling window): the weighted round-robin's memory. */
  routed: number;
}

export interface RouteResult {
  team: Team;
  /** Null when nobody can take it at all (everyone out of office or at capacity): managers are told. */
  rep: Rep | null;
  /** Why this rep, in words ("account owner", "round-robin", "next in hours at …"). */
  reason: string;
  /**
   * The rep does not take this tier: no rep who does can take the alert (the tier strategy's
   * explicit fallback; the alert and the managers are told).
   */
  outsideTier: boolean;
  /** Nobody who may take it is in hours: the alert waits for this rep's hours, which start then. */
  waitsUntil: number | null;
  /**
   * The alert waits for a rep of its tier although a rep outside the tier is in hours now: the
   * tier is kept over hours, and the managers are told why nobody in hours has it.
   */
  heldForTier: boolean;
  /** Whose owner the rep is, when routing chose the owner: the event's or the CRM's. */
  ownerFrom: 'event' | 'crm' | null;
  /** The CRM's owner, a rep, passed over: who (`name`: their email, said without a mention that would ping them), and why. */
  crmOwnerSkipped: { rep: string; name: string; why: string } | null;
}

/** What an alert keeps of its routing, to say in the message why it went where it did. */
export type RouteNote = Pick<RouteResult, 'outsideTier' | 'waitsUntil' | 'heldForTier'> & {
  /** Absent on alerts routed before CRM owners. */
  ownerFrom?: RouteResult['ownerFrom'];
  crmOwnerSkipped?: RouteResult['crmOwnerSkipped'];
};

export function routeNote(route: RouteResult): RouteNote {
  return {
    outsideTier: route.outsideTier,
    waitsUntil: route.waitsUntil,
    heldForTier: route.heldForTier,
    ...(route.ownerFrom ? { ownerFrom: route.ownerFrom } : {}),
    ...(route.crmOwnerSkipped ? { crmOwnerSkipped: route.crmOwnerSkipped } : {}),
  };
}

/** First team whose `match` fits the account, else `default_team`. */
export function routeTeam(account: RoutableAccount, routing: Routing): Team {
  const values = { ...account } as Record<string, unknown>;
  const team = routing.teams.find((t) => matchesConditions(values, t.match));
  return team ?? routing.teams.find((t) => t.id === routing.default_team) ?? routing.teams[0]!;
}

/**
 * Routing: the manifest's `strategy` in order (owner → territory → tier →
 * weighted round-robin), skipping reps out of office, at capacity or outside their hours; when
 * nobody is in hours, the rep whose hours start next. `exclude` skips reps (a reassignment).
 *
 * The filters narrow the reps who can take the alert, never the whole team: a territory or tier
 * whose only reps are away is skipped like one with no reps at all, so managers hear of an alert
 * only when no rep can take it at all, and a rep in hours wins over one who opens later.
 */
export function routeAlert(input: {
  account: RoutableAccount;
  tier: 'hot' | 'warm';
  routing: Routing;
  loads: (repId: string) => RepLoad;
  now: number;
  exclude?: readonly string[];
  /** The team already chosen for the alert; else the account's (`routeTeam`). */
  team?: Team;
}): RouteResult {
  const { account, tier, routing, loads, now } = input;
  const team = input.team ?? routeTeam(account, routing);
  const excluded = new Set(input.exclude ?? []);
  const hoursOf = (rep: Rep) => rep.hours ?? team.hours;
  const canTake = (rep: Rep) => {
    const load = loads(rep.id);
    return !excluded.has(rep.id) && !load.ooo && load.open < rep.capacity;
  };
  const available = (rep: Rep) => canTake(rep) && isWithinHours(hoursOf(rep), now);

  const teamReps = teamRepsOf(team, routing);
  // Tier is a promise: while a rep who takes this tier can take the alert (now or when their
  // hours start), nobody else gets it, the account's owner included. Only when none can is it
  // routed outside the tier, and the result says so.
  const byTier = routing.strategy.includes('tier');
  const takers = teamReps.filter(canTake);
  const inTier = byTier ? takers.filter((r) => r.tiers.includes(tier)) : takers;
  const outsideTier = byTier && inTier.length === 0 && takers.length > 0;
  const pool = outsideTier ? takers : inTier;
  const result = (
    rep: Rep | null,
    reason: string,
    waitsUntil: number | null = null,
    ownerFrom: RouteResult['ownerFrom'] = null,
  ): RouteResult => ({
    team,
    rep,
    reason: outsideTier
      ? `${reason}; no rep who takes ${tier} alerts can take it, so it goes outside the tier`
      : reason,
    outsideTier: outsideTier && rep !== null,
    waitsUntil,
    // Someone outside the tier could take it now, but the tier's reps come first.
    heldForTier: waitsUntil !== null && byTier && takers.some((r) => !pool.includes(r) && available(r)),
    ownerFrom,
    crmOwnerSkipped: ownerFrom === null ? crmOwnerSkipped : null,
  });

  let crmOwnerSkipped: RouteResult['crmOwnerSkipped'] = null;
  if (routing.strategy.includes('owner')) {
    // An owner the event names wins over the CRM's; an owner who is not a rep of the alert's
    // team is skipped (SPEC §5: an account manager who owns the account does not take its
    // new-business alert in the sales channel).
    const named = findOwner(account.owner, routing.reps);
    const owner = named ?? findOwner(account.crmOwner ?? null, routing.reps);
    const onTeam = owner !== null && teamReps.includes(owner);
    const tierFits = !byTier || outsideTier || owner?.tiers.includes(tier);
    if (owner && onTeam && available(owner) && tierFits)
      return named
        ? result(owner, 'account owner', null, 'event')
        : result(owner, 'the CRM owner of the account', null, 'crm');
    if (owner && !named)
      crmOwnerSkipped = {
        rep: owner.id,
        name: owner.email ?? owner.id,
        why: !onTeam
          ? `is not a rep of the ${team.id} team`
          : !tierFits
            ? `does not take ${tier} alerts`
            : !canTake(owner)
              ? 'out of office or at capacity'
              : 'outside their hours',
      };
  }
  const country = account.country?.trim().toUpperCase() ?? null;
  // Territory is a preference: a territory nobody covers is skipped.
  const filter = (candidates: Rep[]): Rep[] =>
    routing.strategy.includes('territory')
      ? narrow(
          candidates,
          (r) =>
            r.countries === null ||
            (country !== null && r.countries.some((c) => c.trim().toUpperCase() === country)),
        )
      : candidates;

  const useRoundRobin = routing.strategy.includes('round_robin');
  const inHours = filter(pool.filter((rep) => isWithinHours(hoursOf(rep), now)));
  if (inHours.length > 0) {
    return result(useRoundRobin ? leastLoaded(inHours, loads) : inHours[0]!, 'round-robin');
  }
  const later = filter(pool);
  if (later.length === 0) return result(null, 'nobody available: all out of office or at capacity');
  const soonest = Math.min(...later.map((r) => nextOpening(hoursOf(r), now)));
  const next = later.filter((r) => nextOpening(hoursOf(r), now) === soonest);
  return result(
    useRoundRobin ? leastLoaded(next, loads) : next[0]!,
    `nobody in hours; next in hours at ${new Date(soonest).toISOString()}`,
    soonest,
  );
}

/**
 * Whether a manager may hand an alert of `tier` to `rep` (`/pls assign`, **Assign**): a rep
 * limited to other tiers only when no rep of the team who takes this tier can take it now —
 * the same test routing uses (`canTake`: not out of office, under capacity). A manager's choice
 * overrides hours; the tier stays a promise while someone of it can keep it.
 */
export function assignableTier(
  rep: Rep,
  tier: 'hot' | 'warm',
  team: Team,
  routing: Routing,
  canTake: (rep: Rep) => boolean = () => true,
): { ok: true; outsideTier: boolean } | { ok: false; inTier: Rep[] } {
  if (!routing.strategy.includes('tier') || rep.tiers.includes(tier)) return { ok: true, outsideTier: false };
  const inTier = teamRepsOf(team, routing).filter((r) => r.tiers.includes(tier) && canTake(r));
  return inTier.length > 0 ? { ok: false, inTier } : { ok: true, outsideTier: true };
}

/** The reps a manager is offered for an alert of `tier`: those `assignableTier` accepts. */
export function assignableReps(
  tier: 'hot' | 'warm',
  team: Team,
  routing: Routing,
  canTake: (rep: Rep) => boolean = () => true,
): Rep[] {
  if (!routing.strategy.includes('tier')) return [...routing.reps];
  // Who of the tier can take it is the same for every candidate: asked once.
  const tierKept = teamRepsOf(team, routing).some((r) => r.tiers.includes(tier) && canTake(r));
  return routing.reps.filter((rep) => rep.tiers.includes(tier) || !tierKept);
}

/** The team's reps; every rep for a team that lists none. */
export function teamRepsOf(team: Team, routing: Pick<Routing, 'reps'>): Rep[] {
  return team.reps.length > 0 ? routing.reps.filter((r) => team.reps.includes(r.id)) : [...routing.reps];
}

/** The team with `id`; the first team for an id the manifest no longer has. */
export function teamById(routing: Pick<Routing, 'teams'>, id: string): Team {
  return routing.teams.find((t) => t.id === id) ?? routing.teams[0]!;
}

/** A filter that never empties the pool: a rule with no one to satisfy it is skipped. */
function narrow(pool: Rep[], keep: (rep: Rep) => boolean): Rep[] {
  const kept = pool.filter(keep);
  return kept.length > 0 ? kept : pool;
}

function findOwner(owner: string | null, reps: readonly Rep[]): Rep | null {
  if (!owner) return null;
  const key = owner.trim().toLowerCase();
  return reps.find((r) => r.id.toLowerCase() === key || r.email?.toLowerCase() === key) ?? null;
}

/** Smooth weighted round-robin: the rep with the fewest routed alerts per unit of weight. */
function leastLoaded(reps: Rep[], loads: (repId: string) => RepLoad): Rep {
  let best = reps[0]!;
  let bestShare = Number.POSITIVE_INFINITY;
  for (const rep of reps) {
    const share = (loads(rep.id).routed + 1) / rep.weight;
    if (share < bestShare) {
      best = rep;
      bestShare = share;
    }
  }
  return best;
}
