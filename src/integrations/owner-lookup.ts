import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { CrmLink, CrmRepo } from '../db/crm-repo.js';
import type { Store } from '../db/store.js';
import { isFreeMailDomain } from '../domain/free-mail.js';
import { type Crm, CrmError } from './crm.js';

/** Accounts waiting for a lookup, at most: past it, an account waits for its next scored event. */
const MAX_WAITING = 10_000;
/** Lookups per round, between two reads of which accounts are due (highest score first). */
const ROUND = 10;
/** A lookup that failed (HubSpot or Slack down) is tried again after this long, at the earliest. */
const RETRY_AFTER_MS = 10 * 60_000;
/** Lookups pause this long after a failure of their own (the database's). */
const PAUSE_AFTER_FAILURE_MS = 10_000;
/** An owner's email and Slack user are kept this long in memory: many accounts share one owner. */
const OWNER_TTL_MS = 10 * 60_000;

export interface OwnerLookupDeps {
  crm: Crm;
  repo: CrmRepo;
  store: Store;
  /** For `users.lookupByEmail` (scope `users:read.email`). */
  slack: WebClient;
  logger: Logger;
  now: () => number;
  /** `integrations.hubspot.refresh_owner_after`. */
  refreshMs: number;
  /** A CRM error every lookup will hit until someone acts (a bad token): managers are told. */
  onUnauthorised: (error: CrmError) => void;
  /** A lookup was saved (write-back writes the company's score it was waiting for). */
  onFound?: (link: CrmLink) => void;
}

/**
 * Owner first (README, "HubSpot"): for each account scoring touched, the CRM's company with its
 * domain, the company's owner, their email and the Slack user with that email — asked outside
 * the scoring transaction, one account at a time, and cached on the account (`crm_accounts`)
 * for `refresh_owner_after`. Routing reads the cache when an alert opens; an account that has
 * not been looked up yet is routed without it. Free-mail domains are never asked about (a
 * gmail.com company would be anyone's).
 */
export function createOwnerLookup(deps: OwnerLookupDeps) {
  const { crm, repo, store, slack, logger } = deps;
  const waiting = new Set<string>();
  /** Accounts whose lookup failed, and when they may be tried again. */
  const failedUntil = new Map<string, number>();
  const owners = new Map<string, { email: string | null; slackUser: string | null; at: number }>();
  const slackRefusals = new Set<string>();
  let running: Promise<void> | null = null;
  let pausedUntil = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  function want(accountIds: readonly string[]): void {
    for (const id of accountIds) {
      if (waiting.size >= MAX_WAITING) break;
      waiting.add(id);
    }
    kick();
  }

  function kick(): void {
    if (stopped || running || waiting.size === 0) return;
    const wait = pausedUntil - deps.now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = null;
        kick();
      }, wait);
      timer.unref();
      return;
    }
    running = drain()
      .catch((error: unknown) => {
        // The database failed us: look again in a while, not at once.
        pausedUntil = deps.now() + PAUSE_AFTER_FAILURE_MS;
        logger.error({ err: error }, `${crm.name} owner lookups failed: paused`);
      })
      .finally(() => {
        running = null;
        kick();
      });
  }

  /**
   * The accounts closest to an alert first: each round reads which waiting accounts are due,
   * highest score first, and looks up a few, so an account that turns warm jumps a backlog of
   * cold ones (a burst of new accounts would otherwise be looked up in arrival order, after their
   * alerts had been routed).
   */
  async function drain(): Promise<void> {
    while (!stopped && waiting.size > 0 && deps.now() >= pausedUntil) {
      const ids = [...waiting];
      const now = deps.now();
      const due = await store.read(() => repo.lookupsDue(ids, now - deps.refreshMs));
      const dueIds = new Set(due.map((d) => d.accountId));
      for (const id of ids) if (!dueIds.has(id)) waiting.delete(id);
      for (const { accountId, domain } of due.slice(0, ROUND)) {
        if (stopped || deps.now() < pausedUntil) return;
        waiting.delete(accountId);
        if ((failedUntil.get(accountId) ?? 0) > deps.now()) continue;
        await lookUp(accountId, domain);
      }
    }
  }

  async function lookUp(accountId: string, domain: string): Promise<CrmLink | null> {
    try {
      const link = await refresh(accountId, domain);
      failedUntil.delete(accountId);
      return link;
    } catch (error) {
      failedUntil.set(accountId, deps.now() + RETRY_AFTER_MS);
      if (failedUntil.size > MAX_WAITING) failedUntil.delete(failedUntil.keys().next().value!);
      if (error instanceof CrmError && error.kind === 'throttled') {
        pausedUntil = deps.now() + (error.retryAfterMs ?? 10_000);
        failedUntil.delete(accountId);
        waiting.add(accountId);
        logger.info({ retryAt: pausedUntil }, `${crm.name} owner lookups throttled: paused`);
      } else if (error instanceof CrmError && error.kind === 'unauthorised') {
        pausedUntil = deps.now() + RETRY_AFTER_MS;
        deps.onUnauthorised(error);
      } else {
        logger.warn({ err: error, accountId }, `${crm.name} owner lookup failed: tried again later`);
      }
      return null;
    }
  }

  async function refresh(accountId: string, domain: string): Promise<CrmLink> {
    const found = await find(accountId, domain);
    await store.unit(() => repo.saveLookup(found), { durable: false });
    deps.onFound?.(found);
    return found;
  }

  async function find(accountId: string, domain: string): Promise<CrmLink> {
    const checkedAt = deps.now();
    const none = {
      accountId,
      domain,
      companyId: null,
      ownerId: null,
      ownerEmail: null,
      slackUser: null,
      checkedAt,
    };
    if (isFreeMailDomain(domain)) return none;
    const company = await crm.companyByDomain(domain);
    if (!company) return none;
    const owner = company.ownerId ? await ownerOf(company.ownerId) : null;
    return {
      ...none,
      companyId: company.companyId,
      ownerId: company.ownerId,
      ownerEmail: owner?.email ?? null,
      slackUser: owner?.slackUser ?? null,
    };
  }

  async function ownerOf(ownerId: string): Promise<{ email: string | null; slackUser: string | null }> {
    const known = owners.get(ownerId);
    if (known && deps.now() - known.at < OWNER_TTL_MS) return known;
    const email = await crm.ownerEmail(ownerId);
    const slackUser = email ? await slackUserByEmail(email) : null;
    const found = { email, slackUser, at: deps.now() };
    owners.set(ownerId, found);
    return found;
  }

  async function slackUserByEmail(email: string): Promise<string | null> {
    try {
      const answer = await slack.users.lookupByEmail({ email });
      return answer.user?.id ?? null;
    } catch (error) {
      const said = (error as { data?: { error?: string } }).data?.error;
      // Nobody in the workspace has it: routing may still match a rep's manifest email.
      if (said === 'users_not_found') return null;
      // Slack refused for good (most often `missing_scope`: users:read.email not granted yet):
      // the owner is matched by the manifest's emails alone, and the operator is told once.
      if (said && said !== 'ratelimited' && said !== 'internal_error' && said !== 'fatal_error') {
        if (!slackRefusals.has(said)) {
          slackRefusals.add(said);
          logger.warn(
            { error: said },
            'Slack users.lookupByEmail refused: HubSpot owners are matched to reps by the manifest email only (add users:read.email to the Slack app)',
          );
        }
        return null;
      }
      throw new CrmError('unavailable', `Slack users.lookupByEmail: ${(error as Error).message}`);
    }
  }

  return {
    want,
    /**
     * The account's link, looked up now when it has none or an outdated one (write-back needs the
     * company before an event has had it looked up). A failed lookup throws its `CrmError`.
     */
    async linkFor(accountId: string, domain: string | null): Promise<CrmLink | null> {
      const link = await store.read(() => repo.linkOf(accountId));
      const fresh = link && link.domain === domain && deps.now() - link.checkedAt < deps.refreshMs;
      if (fresh || domain === null) return link;
      return refresh(accountId, domain);
    },
    /** Asks the CRM again now (a company it no longer has); a failed lookup throws its `CrmError`. */
    refresh,
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type OwnerLookup = ReturnType<typeof createOwnerLookup>;
