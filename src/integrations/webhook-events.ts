import { randomUUID } from 'node:crypto';
import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { WebhookDeliveriesRepo } from '../db/webhook-deliveries-repo.js';
import type { Manifest, WebhookEventType } from '../domain/definition.js';
import { CRM_EVENTS, CRM_LANE } from './crm.js';

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
    /** Null for `account.ready`, which is about the account whether an alert opened or not. */
    alert: Record<string, unknown> | null;
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
  /**
   * Queues `account.ready` for an account that has just become ready for sales — its score passes
   * the gates at warm or hot, or it is armed — whatever the rules that keep reps away decided
   * (a cooldown, an excluded plan, an alert already open): `change` says what it is now.
   */
  ready(accountId: string, change: Record<string, unknown>, now: number): Promise<void>;
}

export function createWebhookAnnouncer(deps: {
  manifest: Manifest;
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  deliveries: WebhookDeliveriesRepo;
  /** HubSpot's write-back is on: its lane is told of every event (src/integrations/crm-sync.ts). */
  crmWriteBack?: boolean;
}): WebhookAnnouncer {
  const { webhooks } = deps.manifest.integrations;
  const crm = deps.crmWriteBack === true && deps.manifest.integrations.hubspot.write_back;
  const listening = (type: WebhookEventType) => [
    ...webhooks.filter((w) => w.events.includes(type)).map((w) => w.url),
    ...(crm && (CRM_EVENTS as readonly string[]).includes(type) ? [CRM_LANE] : []),
  ];
  async function enqueue(
    type: WebhookEventType,
    urls: string[],
    event: WebhookEvent,
    ids: { accountId: string; alertId: string | null },
    now: number,
  ): Promise<void> {
    const payload = JSON.stringify(event);
    const messageId = `msg_${randomUUID().replaceAll('-', '')}`;
    for (const url of urls)
      await deps.deliveries.enqueue({ messageId, url, type, ...ids, payload, createdAt: now });
  }
  return {
    async recorded(kind, alertId, actor, data, now) {
      const type = EVENT_OF_KIND[kind];
      if (!type) return;
      const urls = listening(type);
      if (urls.length === 0) return;
      const alert = await deps.alerts.find(alertId);
      if (!alert) return;
      const account = await deps.accounts.find(alert.accountId);
      const change = publicShape({
        kind,
        by: actor,
        ...(kind === 'assigned' ? { assignedBy: actor } : {}),
        ...data,
      });
      const event = webhookEvent(type, now, alert, account, change);
      await enqueue(type, urls, event, { accountId: alert.accountId, alertId }, now);
    },

    async ready(accountId, change, now) {
      const urls = listening('account.ready');
      if (urls.length === 0) return;
      const account = await deps.accounts.find(accountId);
      const event = webhookEvent(
        'account.ready',
        now,
        null,
        account,
        publicShape({ kind: 'ready', by: null, ...change }),
      );
      await enqueue('account.ready', urls, event, { accountId, alertId: null }, now);
    },
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An alert and its account as receivers see them: snake_case, times in ISO 8601, no internals. */
function webhookEvent(
  type: WebhookEventType,
  at: number,
  alert: AlertRow | null,
  account: AccountRow | null,
  change: Record<string, unknown>,
): WebhookEvent {
  return {
    type,
    timestamp: new Date(at).toISOString(),
    data: {
      alert: alert && alertFields(alert),
      account: account && {
        id: account.id,
        name: account.name,
        domain: account.domain,
        plan: account.plan,
        employees: account.employees,
        industry: account.industry,
        country: account.country,
        owner: account.owner,
        score: account.score === null ? null : Math.round(account.score),
        tier: account.tier,
      },
      change,
    },
  };
}

function alertFields(alert: AlertRow): Record<string, unknown> {
  const trigger = alert.trigger as { signalId?: string | null; text?: string };
  return {
    id: alert.id,
    account_id: alert.accountId,
    play: alert.play,
    state: alert.state,
    tier: alert.tier,
    score: Math.round(alert.score),
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
  };
}

/**
 * A change's data as receivers read it, whatever the audit trail keeps: keys in snake_case, and
 * the times (`at`, `until`, `…At`) as ISO 8601 — the same conventions as `data.alert`.
 */
export function publicShape(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    const isTime = /(^at$|^until$|At$)/.test(key) && typeof inner === 'number';
    out[name] = isTime
      ? new Date(inner as number).toISOString()
      : inner !== null && typeof inner === 'object' && !Array.isArray(inner)
        ? publicShape(inner as Record<string, unknown>)
        : inner;
  }
  return out;
}
