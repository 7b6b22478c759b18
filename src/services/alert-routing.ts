import type { Manifest, Team } from '../config/manifest.js';
import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { Notice } from '../domain/notice.js';
import {
  type RepLoad,
  type RoutableAccount,
  type RouteNote,
  type RouteResult,
  routeAlert,
} from '../domain/routing.js';
import { DAY } from '../domain/windows.js';

/** What the services that change alerts (scoring, rep actions, the SLA sweep) work with. */
export interface AlertServiceDeps {
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  outbox: OutboxRepo;
  manifest: Manifest;
  now: () => number;
}

/** `@`-mentions of every manager, for the messages that need one of them. */
export function managerMentions(manifest: Manifest): string {
  return manifest.routing.managers.map((id) => `<@${id}>`).join(' ');
}

/**
 * What the managers are told when routing had to choose between the tier and the clock: the
 * alert went outside its tier, or waits for a rep of its tier while others are in hours.
 */
export function tierNotice(route: RouteNote & { rep: { id: string } | null }): Notice | null {
  if (!route.rep || !(route.outsideTier || route.heldForTier)) return null;
  return {
    type: 'routed_by_tier',
    rep: route.rep.id,
    outsideTier: route.outsideTier,
    waitsUntil: route.heldForTier ? route.waitsUntil : null,
  };
}

/** How far back the weighted round-robin counts alerts per rep. */
const ROUND_ROBIN_WINDOW = 7 * DAY;
/** How long a rep's round-robin count is kept before it is counted again. */
const RECOUNT_AFTER = 60_000;

/**
 * `exclude`: reps who already had their chance. `reroute`: a release or a reassignment — the
 * account's owner was offered the alert when it opened; now the point is someone else.
 */
export interface RouteOptions {
  exclude?: readonly string[];
  reroute?: boolean;
  /** The team the decision chose (src/domain/account-step.ts); else the account's. */
  team?: Team;
}

/**
 * Routing with the database's view of each rep (out of office, alerts held, alerts routed so
 * far): one place for opening, releasing and reassigning alike.
 */
export function createAlertRouting(deps: { accounts: AccountsRepo; alerts: AlertsRepo; manifest: Manifest }) {
  const { accounts, alerts, manifest } = deps;
  const { routing } = manifest;

  function routeAccount(
    found: Pick<AccountRow, 'employees' | 'country' | 'industry' | 'plan' | 'domain' | 'owner'> | null,
    tier: 'hot' | 'warm',
    now: number,
    options: RouteOptions = {},
  ): RouteResult {
    const account: RoutableAccount = {
      employees: found?.employees ?? null,
      country: found?.country ?? null,
      industry: found?.industry ?? null,
      plan: found?.plan ?? null,
      domain: found?.domain ?? null,
      owner: options.reroute ? null : (found?.owner ?? null),
    };
    // Routing looks at each rep several times over. Who is away and what each rep holds come
    // in one go up front (asked per rep and per look, they were the sweep's N+1). The
    // round-robin count is most of the cost (a range of the (suggested_rep, opened_at) index per
    // rep), and only the reps still in the running are compared on it: it is counted when read.
    const { away, held } = alerts.repStatus();
    const loads = new Map<string, RepLoad>();
    const loadOf = (repId: string): RepLoad => {
      let load = loads.get(repId);
      if (!load) {
        load = new CountedWhenRead(away.has(repId), held.get(repId) ?? 0, () => routedSince(repId, now));
        loads.set(repId, load);
      }
      return load;
    };
    const result = routeAlert({
      account,
      tier,
      routing,
      loads: loadOf,
      now,
      exclude: options.exclude ?? [],
      team: options.team,
    });
    const counted = result.rep && routed.get(result.rep.id);
    if (counted) counted.count++;
    return result;
  }

  /**
   * The round-robin count: alerts routed to the rep in the last `ROUND_ROBIN_WINDOW`, counted
   * in the database at most once a minute per rep and kept up to date with this router's own
   * picks in between. The count is a range of the (suggested_rep, opened_at) index, thousands
   * of entries with 10,000 open alerts: counted per pick it was a fifth of an SLA sweep with
   * 100 reassignments (BENCHMARKS.md, "SLA sweep"). What other routers (the scoring thread, the
   * other services) picked meanwhile shows within the minute; a week's fairness does not feel it.
   */
  const routed = new Map<string, { count: number; countedAt: number }>();
  function routedSince(repId: string, now: number): number {
    let entry = routed.get(repId);
    if (!entry || now - entry.countedAt >= RECOUNT_AFTER || now < entry.countedAt) {
      entry = { count: alerts.suggestedSince(repId, now - ROUND_ROBIN_WINDOW), countedAt: now };
      routed.set(repId, entry);
    }
    return entry.count;
  }

  return {
    route(accountId: string, tier: 'hot' | 'warm', now: number, options: RouteOptions = {}): RouteResult {
      return routeAccount(accounts.find(accountId), tier, now, options);
    },
    /** The same, for a caller that has just read the account. */
    routeAccount,
  };
}

/**
 * A rep's load whose round-robin count is taken the first time routing reads it (a class, not an
 * object literal with a getter: V8 builds those on a slow path, and routing makes one per rep).
 */
class CountedWhenRead implements RepLoad {
  readonly #count: () => number;
  #routed: number | null = null;

  constructor(
    readonly ooo: boolean,
    readonly open: number,
    count: () => number,
  ) {
    this.#count = count;
  }

  get routed(): number {
    this.#routed ??= this.#count();
    return this.#routed;
  }
}
