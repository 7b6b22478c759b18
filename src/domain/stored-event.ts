import type { AccountPatch, UsageEvent, UserPatch } from './usage-event.js';

/** An `events` row's fields as the processor and the replay read them (JSON columns still text). */
export interface StoredEventFields {
  id: string;
  source: 'webhook' | 'segment';
  type: string;
  occurredAt: number;
  accountId: string | null;
  userId: string | null;
  properties: string;
  accountPatch: string | null;
  userPatch: string | null;
}

/** A stored row back to the event live scoring and the replay apply: one mapping for both. */
export function toUsageEvent(row: StoredEventFields): UsageEvent {
  return {
    id: row.id,
    source: row.source,
    type: row.type,
    occurredAt: row.occurredAt,
    accountId: row.accountId,
    account: row.accountPatch ? (JSON.parse(row.accountPatch) as AccountPatch) : null,
    userId: row.userId,
    user: row.userPatch ? (JSON.parse(row.userPatch) as UserPatch) : null,
    // Most events carry no properties: skip the parse for the stored `{}`.
    properties: row.properties === '{}' ? {} : (JSON.parse(row.properties) as Record<string, unknown>),
  };
}

/**
 * `plan_changed {plan}` moves the account's plan, whatever the event's firmographics say. An
 * event older than the newest applied plan change (`planChangedAt`) moves no plan at all: a late,
 * backfilled event must not undo a purchase.
 */
export function withPlanChange(event: UsageEvent, planChangedAt: number | null = null): AccountPatch | null {
  if (planChangedAt !== null && event.occurredAt < planChangedAt) {
    // Older than the plan pls already knows: keep the rest of its firmographics, not its plan.
    if (!event.account || event.account.plan === undefined) return event.account;
    const { plan: _stale, ...rest } = event.account;
    return rest;
  }
  const plan = event.type === 'plan_changed' ? event.properties.plan : undefined;
  if (typeof plan !== 'string' || plan === '') return event.account;
  return { ...(event.account ?? {}), plan };
}
