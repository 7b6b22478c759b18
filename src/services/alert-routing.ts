import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { CrmRepo } from '../db/crm-repo.js';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { WebhookDeliveriesRepo } from '../db/webhook-deliveries-repo.js';
import type { Manifest, Play, Team } from '../domain/definition.js';
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
  /** Outbound webhooks' queue: what an alert's changes are told to (src/integrations/webhook-events.ts). */
  deliveries: WebhookDeliveriesRepo;
  /** HubSpot is on and writes back: its lane is told of each change too. */
  crmWriteBack?: boolean;
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
  /** The team the decision chose (src/domain/account-step.ts); else the account's in the play. */
  team?: Team;
  /** The alert's play: its teams route it (default new business, the top-level routing). */
  play?: Play;
}

/**
 * Routing with the database's view of each rep (out of office, alerts held, alerts routed so
 * far): one place for opening, releasing and reassigning alike.
 */
export function createAlertRouting(deps: {
  accounts: AccountsRepo;
  alerts: AlertsRepo;
  manifest: Manifest;
  /** Set when the CRM's owners route alerts (HubSpot on, `owner_routing`): their owners come second to an event's. */
  crm?: CrmRepo | null;
}) {
  const { accounts, alerts, manifest } = deps;
  const crm = manifest.integrations.hubspot.owner_routing ? (deps.crm ?? null) : null;
  const { routing } = manifest;

  async function routeAccount(
    found: Pick<AccountRow, 'id' | 'employees' | 'country' | 'industry' | 'plan' | 'domain' | 'owner'> | null,
    tier: 'hot' | 'warm',
    now: number,
    options: RouteOptions = {},
  ): Promise<RouteResult> {
    const account: RoutableAccount = {
      employees: found?.employees ?? null,
      country: found?.country ?? null,
      industry: found?.industry ?? null,
      plan: found?.plan ?? null,
      domain: found?.domain ?? null,
      owner: options.reroute ? null : (found?.owner ?? null),
      crmOwner: options.reroute || !crm || !found ? null : await crmOwnerOf(found.id),
    };
    // Routing looks at each rep several times over. Who is away and what each rep holds come
    // in one go up front (asked per rep and per look, they were the sweep's N+1).
    const { away, held } = await alerts.repStatus();
    await recount(now);
    const loadOf = (repId: string): RepLoad => ({
      ooo: away.has(repId),
      open: held.get(repId) ?? 0,
      routed: routed.get(repId)?.count ?? 0,
    });
    const result = routeAlert({
      account,
      tier,
      routing: options.play?.routing ?? routing,
      loads: loadOf,
      now,
      exclude: options.exclude ?? [],
      team: options.team,
    });
    const counted = result.rep && routed.get(result.rep.id);
    if (counted) counted.count++;
    return result;
  }

  /** The CRM owner's Slack user, or their email for routing to match a rep's `email` by. */
  async function crmOwnerOf(accountId: string): Promise<string | null> {
    const link = await crm!.linkOf(accountId);
    return link?.slackUser ?? link?.ownerEmail ?? null;
  }

  /**
   * The round-robin counts: alerts routed to each rep in the last `ROUND_ROBIN_WINDOW`, counted
   * in the database at most once a minute per rep and kept up to date with this router's own
   * picks in between. A count is a range of the (suggested_rep, opened_at) index, thousands of
   * entries with 10,000 open alerts: counted per pick it was a fifth of an SLA sweep with 100
   * reassignments (BENCHMARKS.md, "SLA sweep"). What other routers (the scoring thread, the
   * other services, other instances) picked meanwhile shows within the minute; a week's fairness
   * does not feel it.
   */
  const routed = new Map<string, { count: number; countedAt: number }>();
  async function recount(now: number): Promise<void> {
    for (const { id } of routing.reps) {
      const entry = routed.get(id);
      if (entry && now - entry.countedAt < RECOUNT_AFTER && now >= entry.countedAt) continue;
      routed.set(id, { count: await alerts.suggestedSince(id, now - ROUND_ROBIN_WINDOW), countedAt: now });
    }
  }

  return {
    async route(
      accountId: string,
      tier: 'hot' | 'warm',
      now: number,
      options: RouteOptions = {},
    ): Promise<RouteResult> {
      return routeAccount(await accounts.find(accountId), tier, now, options);
    },
    /** The same, for a caller that has just read the account. */
    routeAccount,
  };
}
