import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import type { AccountsRepo } from '../db/accounts-repo.js';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { CrmRepo } from '../db/crm-repo.js';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { Store } from '../db/store.js';
import type { Manifest } from '../domain/definition.js';
import { escapeMrkdwn } from '../domain/slack-text.js';
import { CrmError } from './crm.js';
import { createCrmSync } from './crm-sync.js';
import { createHubSpot } from './hubspot.js';
import { createOwnerLookup } from './owner-lookup.js';

/** A start-up that could not prepare HubSpot tries again after this long, doubling up to an hour. */
const PREPARE_RETRY_MS = 30_000;

/**
 * HubSpot, when `HUBSPOT_TOKEN` turns it on (README, "HubSpot"): owner lookups, write-back and
 * the start-up step that creates pls's property group and properties. Null when it is off; the
 * caller logs nothing more, this says so once.
 */
export function startHubSpot(deps: {
  env: Env;
  manifest: Manifest;
  store: Store;
  repo: CrmRepo;
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  outbox: OutboxRepo;
  slack: WebClient;
  logger: Logger;
  now: () => number;
}) {
  const { env, manifest, store, outbox, logger, now } = deps;
  const settings = manifest.integrations.hubspot;
  if (env.hubspotToken === null) {
    logger.info('HubSpot integration off: HUBSPOT_TOKEN is not set');
    return null;
  }
  const crm = createHubSpot({
    token: env.hubspotToken,
    apiUrl: env.hubspotApiUrl,
    propertyGroup: settings.property_group,
  });
  logger.info(
    { apiUrl: env.hubspotApiUrl, ownerRouting: settings.owner_routing, writeBack: settings.write_back },
    'HubSpot integration on',
  );

  let reported = false;
  /** A token HubSpot refuses fails every call until someone fixes it: the managers hear of it once. */
  const onUnauthorised = (error: CrmError) => {
    logger.error({ error: error.message }, 'HubSpot refused pls: check HUBSPOT_TOKEN and its scopes');
    if (reported) return;
    reported = true;
    const text = `⚠️ HubSpot refused pls (${escapeMrkdwn(error.message)}). Owner routing and write-back wait, keeping every change, until it is fixed: check HUBSPOT_TOKEN and its scopes (crm.objects.companies.read and .write, crm.objects.owners.read, crm.schemas.companies.read and .write, tasks and notes).`;
    void store
      .unit(() => outbox.noticeManagers(manifest.routing.managers, text, now()), { durable: false })
      .catch((failure: unknown) =>
        logger.error({ err: failure }, 'could not tell the managers about HubSpot'),
      );
  };

  const lookup = createOwnerLookup({
    crm,
    repo: deps.repo,
    store,
    slack: deps.slack,
    logger,
    now,
    refreshMs: settings.refresh_owner_after,
    onUnauthorised,
    onFound: (link) => {
      if (link.companyId && settings.write_back) sync.scored([link.accountId]);
    },
  });

  let prepared: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let wait = PREPARE_RETRY_MS;
  /** The property group and properties exist; until they do, write-back waits (a company update would be refused). */
  const prepare = (): Promise<void> => {
    prepared ??= crm.prepare().then(
      () => logger.info({ group: settings.property_group }, 'HubSpot properties ready'),
      (error: unknown) => {
        prepared = null;
        if (error instanceof CrmError && error.kind === 'unauthorised') onUnauthorised(error);
        else logger.warn({ err: error }, 'HubSpot properties not ready: tried again before each write');
        throw error;
      },
    );
    return prepared;
  };

  const sync = createCrmSync({
    crm,
    repo: deps.repo,
    alerts: deps.alerts,
    accounts: deps.accounts,
    store,
    lookup,
    slack: deps.slack,
    manifest,
    logger,
    now,
    prepare,
    onUnauthorised,
  });

  return {
    crm,
    lookup,
    sync,
    /** Accounts a scoring turn scored: their owners are looked up, their companies get the new score. */
    scored(accountIds: readonly string[]): void {
      // Write-back looks a company up when it first needs it; ahead of time only for routing.
      if (settings.owner_routing) lookup.want(accountIds);
      if (settings.write_back) sync.scored(accountIds);
    },
    start(): void {
      const attempt = () =>
        void prepare().catch(() => {
          retry = setTimeout(attempt, wait);
          retry.unref();
          wait = Math.min(wait * 2, 3_600_000);
        });
      if (settings.write_back) attempt();
    },
    async stop(): Promise<void> {
      if (retry) clearTimeout(retry);
      await lookup.stop();
      await sync.stop();
    },
  };
}
