import type { LiveAlert, StoredEvent } from '../../../src/db/history.js';
import type { ReplayAlert } from '../../../src/replay/replay-engine.js';

/** Builders for stored events and live alerts, as the `events` and `alerts` tables hold them. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Monday 2026-11-02 15:00 UTC. */
export const T0 = Date.parse('2026-11-02T15:00:00Z');

export interface HistoryBuilder {
  /** Adds an event for `account` at `at` (occurred = received = processed unless told). */
  add(
    type: string,
    at: number,
    options?: {
      account?: string;
      properties?: Record<string, unknown>;
      patch?: Record<string, unknown>;
      user?: string | null;
      /** Arrived this much after it happened (processed at arrival). */
      lateBy?: number;
      id?: string;
    },
  ): StoredEvent;
  /** A real team warming up over the 5 days before `until`: sessions of 4 users, 250 employees. */
  warm(account: string, until: number, patch?: Record<string, unknown>): void;
  events(): StoredEvent[];
}

export function historyBuilder(): HistoryBuilder {
  const list: StoredEvent[] = [];
  const builder: HistoryBuilder = {
    add(type, at, options = {}) {
      const account = options.account ?? 'acct_1';
      const user = options.user === undefined ? `${account}_u1` : options.user;
      const received = at + (options.lateBy ?? 0);
      const event: StoredEvent = {
        seq: list.length + 1,
        id: options.id ?? `evt_${list.length + 1}`,
        source: 'webhook',
        type,
        accountId: account,
        userId: user,
        occurredAt: at,
        receivedAt: received,
        processedAt: received,
        properties: JSON.stringify(options.properties ?? {}),
        accountPatch: options.patch ? JSON.stringify(options.patch) : null,
        userPatch: user ? JSON.stringify({ email: `${user}@${account}.example` }) : null,
      };
      list.push(event);
      return event;
    },
    warm(account, until, patch = {}) {
      builder.add('signed_up', until - 6 * DAY, {
        account,
        patch: {
          name: account,
          domain: `${account}.example`,
          plan: 'free',
          employees: 250,
          country: 'US',
          ...patch,
        },
      });
      for (let day = 5; day >= 1; day--) {
        for (let u = 1; u <= 4; u++) {
          builder.add('session_started', until - day * DAY + u * HOUR, { account, user: `${account}_u${u}` });
        }
      }
    },
    events() {
      return [...list]
        .sort((a, b) => a.processedAt! - b.processedAt! || a.seq - b.seq)
        .map((e, i) => ({ ...e, seq: i + 1 }));
    },
  };
  return builder;
}

export const LIMIT = { limit: 'API calls', used: 10_000, quota: 10_000 };

/** The live alert a replayed one stands for, closed as told. */
export function liveAlertOf(
  alert: ReplayAlert,
  close: { outcome: string; after: number; detail?: Record<string, unknown> } | null,
  id = `al_${alert.accountId}_${alert.openedAt}`,
): LiveAlert {
  return {
    id,
    accountId: alert.accountId,
    play: alert.play,
    tier: alert.tier,
    teamId: alert.teamId,
    openedAt: alert.openedAt,
    closedAt: close ? alert.openedAt + close.after : null,
    outcome: close ? close.outcome : null,
    outcomeDetail: close?.detail ?? null,
    trigger: alert.trigger,
    openingEventId: alert.openTrigger.eventId,
    openingTrigger: alert.openTrigger,
  };
}
