import { randomUUID } from 'node:crypto';
import type { Manifest, WebhookEventType } from '../config/manifest.js';
import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { WebhookDeliveriesRepo } from '../db/webhook-deliveries-repo.js';

/**
 * What outbound webhooks are told (README, "Outbound webhooks"): an alert's audit kinds that are
 * events a CRM, a data warehouse or an automation would act on. An assignment by a manager is a
 * claim made for the rep (`change.assigned_by`).
 */
const EVENT_OF_KIND: Readonly<Record<string, WebhookEventType>> = {
  opened: 'alert.opened',
  upgraded: 'alert.upgraded',
  claimed: 'alert.claimed',
  assigned: 'alert.claimed',
  contacted: 'alert.contacted',
  released: 'alert.released',
  snoozed: 'alert.snoozed',
  closed: 'alert.closed',
};

/** The body every endpoint gets: `{type, timestamp, data: {alert, account, change}}`. */
export interface WebhookEvent {
  type: WebhookEventType;
  /** When it happened, ISO 8601. */
  timestamp: string;
  data: {
    alert: Record<string, unknown>;
    account: Record<string, unknown> | null;
    /** What changed: who did it and what they said (an outcome and its fields, a snooze's end). */
    change: Record<string, unknown>;
  };
}

export interface WebhookAnnouncer {
  /**
   * Queues the event an alert's audit `kind` makes, for every endpoint that asked for it, in the
   * unit of work under way (so it is told if and only if the change commits). Reads the alert
   * and its account only when some endpoint listens.
   */
  recorded(
    kind: string,
    alertId: string,
    actor: string | null,
    data: Record<string, unknown> | null,
    now: number,
  ): Promise<void>;
}

export function createWebhookAnnouncer(deps: {
  manifest: Manifest;
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  deliveries: WebhookDeliveriesRepo;
}): WebhookAnnouncer {
  const { webhooks } = deps.manifest.integrations;
  return {
    async recorded(kind, alertId, actor, data, now) {
      const type = EVENT_OF_KIND[kind];
      if (!type) return;
      const urls = webhooks.filter((w) => w.events.includes(type)).map((w) => w.url);
      if (urls.length === 0) return;
      const alert = await deps.alerts.find(alertId);
      if (!alert) return;
      const account = await deps.accounts.find(alert.accountId);
      const change = { kind, by: actor, ...(kind === 'assigned' ? { assigned_by: actor } : {}), ...data };
      const payload = JSON.stringify(webhookEvent(type, now, alert, account, change));
      const messageId = `msg_${randomUUID().replaceAll('-', '')}`;
      for (const url of urls)
        await deps.deliveries.enqueue({
          messageId,
          url,
          type,
          accountId: alert.accountId,
          alertId,
          payload,
          createdAt: now,
        });
    },
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An alert and its account as receivers see them: snake_case, times in ISO 8601, no internals. */
export function webhookEvent(
  type: WebhookEventType,
  at: number,
  alert: AlertRow,
  account: AccountRow | null,
  change: Record<string, unknown>,
): WebhookEvent {
  const trigger = alert.trigger as { signalId?: string | null; text?: string };
  return {
    type,
    timestamp: new Date(at).toISOString(),
    data: {
      alert: {
        id: alert.id,
        account_id: alert.accountId,
        state: alert.state,
        tier: alert.tier,
        score: alert.score,
        team: alert.teamId,
        channel: alert.channel,
        message_ts: alert.messageTs,
        why: trigger.text ?? null,
        signal: trigger.signalId ?? null,
        suggested_rep: alert.suggestedRep,
        claimed_by: alert.claimedBy,
        assigned_by: alert.assignedBy,
        opened_at: iso(alert.openedAt),
        claim_due_at: iso(alert.claimDueAt),
        first_touch_due_at: iso(alert.firstTouchDueAt),
        claimed_at: iso(alert.claimedAt),
        contacted_at: iso(alert.contactedAt),
        snoozed_until: iso(alert.snoozedUntil),
        closed_at: iso(alert.closedAt),
        outcome: alert.outcome,
        outcome_detail: alert.outcomeDetail ?? null,
      },
      account: account && {
        id: account.id,
        name: account.name,
        domain: account.domain,
        plan: account.plan,
        employees: account.employees,
        industry: account.industry,
        country: account.country,
        owner: account.owner,
        score: account.score,
        tier: account.tier,
      },
      change,
    },
  };
}
