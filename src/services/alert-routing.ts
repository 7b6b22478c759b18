import type { Manifest } from '../config/manifest.js';
import type { AccountsRepo } from '../db/accounts-repo.js';
import type { AlertsRepo } from '../db/alerts-repo.js';
import { type RouteResult, routeAlert } from '../domain/routing.js';

/** How far back the weighted round-robin counts alerts per rep. */
const ROUND_ROBIN_WINDOW = 7 * 86_400_000;

/**
 * Routing with the database's view of each rep (out of office, alerts held, alerts routed so
 * far): one place for opening, releasing and reassigning alike.
 */
export function createAlertRouting(deps: { accounts: AccountsRepo; alerts: AlertsRepo; manifest: Manifest }) {
  const { accounts, alerts, manifest } = deps;
  return {
    /**
     * `exclude`: reps who already had their chance. `reroute`: a release or a reassignment — the
     * account's owner was offered the alert when it opened; now the point is someone else.
     */
    route(
      accountId: string,
      tier: 'hot' | 'warm',
      now: number,
      options: { exclude?: readonly string[]; reroute?: boolean } = {},
    ): RouteResult {
      const account = accounts.find(accountId);
      return routeAlert({
        account: {
          employees: account?.employees ?? null,
          country: account?.country ?? null,
          industry: account?.industry ?? null,
          plan: account?.plan ?? null,
          domain: account?.domain ?? null,
          owner: options.reroute ? null : (account?.owner ?? null),
        },
        tier,
        routing: manifest.routing,
        loads: (repId) => ({
          ooo: alerts.isOoo(repId),
          open: alerts.heldBy(repId),
          routed: alerts.suggestedSince(repId, now - ROUND_ROBIN_WINDOW),
        }),
        now,
        exclude: options.exclude ?? [],
      });
    },
  };
}

export type AlertRouting = ReturnType<typeof createAlertRouting>;
