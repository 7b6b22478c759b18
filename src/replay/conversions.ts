import type { LiveAlert } from '../db/history.js';
import { compareText } from '../domain/order.js';
import type { Purchase, ReplayAlert } from './replay-engine.js';

/**
 * Conversions at the account level, and whether a set of alerts saw them coming. A conversion is
 * an account buying: a self-serve purchase (`plan_changed` from an unpaid to a paid plan, from the
 * event log) or a win a rep logged on a live alert (at the time it was logged). It was *alerted*
 * when one of the alerts was open at some point in the `window` before it; otherwise it is a
 * missed PQL: the definition never flagged an account that went on to buy.
 */
export interface Conversion {
  accountId: string;
  at: number;
  kind: 'purchase' | 'won';
  /** The purchase (kind `purchase`) with the account's peak score and features at that moment. */
  purchase: Purchase | null;
}

export function conversionsOf(
  purchases: readonly Purchase[],
  liveAlerts: readonly LiveAlert[],
  from: number,
  to: number,
  window: number,
): Conversion[] {
  const all: Conversion[] = [];
  for (const p of purchases) {
    if (p.at > from && p.at <= to)
      all.push({ accountId: p.accountId, at: p.at, kind: 'purchase', purchase: p });
  }
  for (const alert of liveAlerts) {
    if (alert.outcome === 'won' && alert.closedAt !== null && alert.closedAt > from && alert.closedAt <= to) {
      all.push({ accountId: alert.accountId, at: alert.closedAt, kind: 'won', purchase: null });
    }
  }
  all.sort((a, b) => a.at - b.at || compareText(a.accountId, b.accountId) || compareText(a.kind, b.kind));
  // A win and the plan change that follows it are one sale: an account's conversions within
  // `window` of the last one counted are the same conversion.
  const lastCounted = new Map<string, number>();
  return all.filter((c) => {
    const last = lastCounted.get(c.accountId);
    if (last !== undefined && c.at - last <= window) return false;
    lastCounted.set(c.accountId, c.at);
    return true;
  });
}

type Span = Pick<ReplayAlert, 'accountId' | 'openedAt' | 'closedAt'>;

/** Whether an alert of the account was open at some point in [at − window, at]. */
function alertedBefore(
  byAccount: ReadonlyMap<string, readonly Span[]>,
  accountId: string,
  at: number,
  window: number,
): boolean {
  for (const alert of byAccount.get(accountId) ?? []) {
    if (alert.openedAt <= at && (alert.closedAt === null || alert.closedAt >= at - window)) return true;
  }
  return false;
}

export function groupByAccount<T extends { accountId: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(item.accountId);
    if (list) list.push(item);
    else map.set(item.accountId, [item]);
  }
  return map;
}

export interface Coverage {
  conversions: number;
  alerted: number;
  missed: Conversion[];
}

export function coverage(
  alerts: readonly Span[],
  conversions: readonly Conversion[],
  window: number,
): Coverage {
  const byAccount = groupByAccount(alerts);
  const missed = conversions.filter((c) => !alertedBefore(byAccount, c.accountId, c.at, window));
  return { conversions: conversions.length, alerted: conversions.length - missed.length, missed };
}

/** Whether the account bought (self-serve) in (after, after + window]. */
export function boughtWithin(
  purchasesByAccount: ReadonlyMap<string, readonly Purchase[]>,
  accountId: string,
  after: number,
  window: number,
): boolean {
  return (purchasesByAccount.get(accountId) ?? []).some((p) => p.at > after && p.at <= after + window);
}
