import type { Manifest } from '../config/manifest.js';
import type { AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { Db } from '../db/client.js';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { AccountState } from '../domain/account-state.js';
import { backOffStage, dueStep, escalationDueAt } from '../domain/escalation.js';
import type { PolicySnapshot } from '../domain/sla.js';
import { formatClock, formatDate, formatMinutes } from '../slack/text.js';
import { createAlertRouting } from './alert-routing.js';

export interface SweepResult {
  escalations: { alertId: string; step: string }[];
  firstTouchBreaches: number;
  backOffPrompts: number;
  backOffClosed: number;
}

const BATCH = 500;

/**
 * One SLA sweep: a pure-in-effect function of (database state, now). Every action is its own
 * transaction that re-reads the alert and checks it is still due before moving its cursor or
 * flag, together with the outbox rows it causes — so overlapping sweeps, a crash mid-sweep or
 * a restart fire each step exactly once, and steps that fell due while pls was down fire in
 * order on the next sweep.
 */
export function createSlaSweep(deps: {
  db: Db;
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  outbox: OutboxRepo;
  manifest: Manifest;
  now: () => number;
}) {
  const { db, alerts, accounts, outbox, manifest } = deps;
  const { routing } = manifest;
  const router = createAlertRouting({ accounts, alerts, manifest });
  const managers = () => routing.managers.map((id) => `<@${id}>`).join(' ');
  const nameOf = (alert: AlertRow) => {
    const account = accounts.find(alert.accountId);
    return account?.name ?? account?.domain ?? alert.accountId;
  };
  /** When the account's self-serve checkout window closes, if it started one. */
  const checkoutEndsAt = (accountId: string): number | null => {
    const started = (accounts.find(accountId)?.state as AccountState | null)?.upgradeStartedAt ?? null;
    return started === null ? null : started + manifest.scoring.rules.converting_window;
  };
  const zoneOf = (alert: AlertRow) => (alert.policy as PolicySnapshot).hours.tz;

  /** Fires the step at the alert's cursor if it is (still) due; false when there is nothing to do. */
  const fireNext = db.$client.transaction((alertId: string, now: number): string | null => {
    const alert = alerts.find(alertId);
    if (!alert) return null;
    const policy = alert.policy as PolicySnapshot;
    const due = dueStep({ ...alert, policy }, now);
    if (!due) return null;
    // Never interrupt a self-serve checkout (SPEC §1): the ladder waits until the converting
    // window has passed, then resumes where it was.
    const checkoutUntil = checkoutEndsAt(alert.accountId);
    if (checkoutUntil !== null && checkoutUntil > now) {
      alerts.update(alert.id, { nextEscalationAt: checkoutUntil }, now);
      return null;
    }
    const cursor = due.index + 1;
    const changes: Partial<AlertRow> = {
      escalationCursor: cursor,
      nextEscalationAt: escalationDueAt(policy, alert.tierSetAt, cursor),
    };
    const name = nameOf(alert);
    const late = formatMinutes(now - alert.tierSetAt);
    const where = `<#${alert.channel}>`;

    if (due.step.do === 'remind') {
      const rep = alert.suggestedRep;
      const text = `⏰ ${rep ? `<@${rep}> ` : ''}this ${alert.tier} alert is unclaimed after ${late}: claim by ${formatClock(alert.claimDueAt, zoneOf(alert), now)}.`;
      outbox.enqueue({ kind: 'alert.reply', alertId: alert.id, text }, now);
      if (rep)
        outbox.enqueue(
          {
            kind: 'message',
            alertId: alert.id,
            channel: rep,
            text: `⏰ The ${alert.tier} alert for ${name} in ${where} is waiting for you to claim it.`,
          },
          now,
        );
    } else if (due.step.do === 'escalate') {
      const rep = alert.suggestedRep ? ` (suggested rep <@${alert.suggestedRep}>)` : '';
      const text = `🚨 ${managers()} the ${alert.tier.toUpperCase()} alert for ${name} in ${where} is unclaimed after ${late}, past its claim SLA${rep}.`;
      outbox.enqueue({ kind: 'message', alertId: alert.id, channel: routing.escalation_channel, text }, now);
      outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    } else {
      const previous = alert.suggestedRep;
      const route = router.route(alert.accountId, alert.tier, now, {
        exclude: previous ? [previous] : [],
        reroute: true,
      });
      if (route.rep) {
        changes.suggestedRep = route.rep.id;
        outbox.enqueue(
          {
            kind: 'alert.reply',
            alertId: alert.id,
            text: `↪️ Reassigned to <@${route.rep.id}>: unclaimed after ${late}.`,
          },
          now,
        );
        outbox.enqueue(
          {
            kind: 'message',
            alertId: alert.id,
            channel: route.rep.id,
            text: `↪️ The ${alert.tier} alert for ${name} in ${where} was reassigned to you: please claim it.`,
          },
          now,
        );
        if (previous)
          outbox.enqueue(
            {
              kind: 'message',
              alertId: alert.id,
              channel: previous,
              text: `↪️ The ${alert.tier} alert for ${name} was reassigned to <@${route.rep.id}> after ${late} unclaimed.`,
            },
            now,
          );
      } else {
        outbox.enqueue(
          {
            kind: 'message',
            alertId: alert.id,
            channel: routing.escalation_channel,
            text: `🚨 ${managers()} nobody can take the alert for ${name} in ${where}: ${route.reason}.`,
          },
          now,
        );
      }
      outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    }
    alerts.update(alert.id, changes, now);
    if (changes.suggestedRep) outbox.refreshHomes([alert.suggestedRep, changes.suggestedRep], now);
    alerts.record(alert.id, now, 'escalation', null, {
      step: due.step.do,
      index: due.index,
      at: due.step.at,
    });
    return due.step.do;
  });

  const tellFirstTouchBreach = db.$client.transaction((alertId: string, now: number): boolean => {
    const alert = alerts.find(alertId);
    if (alert?.state !== 'claimed' || alert.firstTouchBreachedAt !== null) return false;
    if (alert.firstTouchDueAt === null || alert.firstTouchDueAt > now) return false;
    alerts.update(alert.id, { firstTouchBreachedAt: now }, now);
    alerts.record(alert.id, now, 'first_touch_breached', null, { due: alert.firstTouchDueAt });
    const text = `🚨 ${managers()} <@${alert.claimedBy}> claimed the ${alert.tier} alert for ${nameOf(alert)} in <#${alert.channel}> but has not marked it contacted: the first-touch SLA passed at ${formatClock(alert.firstTouchDueAt, zoneOf(alert), now)}.`;
    outbox.enqueue({ kind: 'message', alertId: alert.id, channel: routing.escalation_channel, text }, now);
    outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    return true;
  });

  const backOff = db.$client.transaction((alertId: string, now: number): 'prompt' | 'close' | null => {
    const alert = alerts.find(alertId);
    if (alert?.state !== 'contacted' || alert.contactedAt === null) return null;
    const window = manifest.scoring.rules.back_off;
    const stage = backOffStage(alert.contactedAt, window, alert.backOffPromptedAt !== null, now);
    if (stage === 'none') return null;
    const name = nameOf(alert);
    if (stage === 'prompt') {
      alerts.update(alert.id, { backOffPromptedAt: now }, now);
      const closes = formatDate(alert.contactedAt + window, zoneOf(alert));
      const text = `No outcome yet for ${name}: log one on the alert in <#${alert.channel}>, or on ${closes} it closes as no response and the account goes back to self-serve.`;
      if (alert.claimedBy)
        outbox.enqueue({ kind: 'message', alertId: alert.id, channel: alert.claimedBy, text }, now);
      return 'prompt';
    }
    alerts.update(
      alert.id,
      { state: 'closed', outcome: 'no_response', closedAt: now, nextEscalationAt: null },
      now,
    );
    alerts.record(alert.id, now, 'closed', null, { outcome: 'no_response', reason: 'back_off' });
    outbox.enqueue(
      {
        kind: 'alert.reply',
        alertId: alert.id,
        text: `No response ${formatMinutes(now - alert.contactedAt)} after first touch: closed, ${name} is back to self-serve.`,
      },
      now,
    );
    outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    return 'close';
  });

  return {
    sweep(): SweepResult {
      const now = deps.now();
      const result: SweepResult = {
        escalations: [],
        firstTouchBreaches: 0,
        backOffPrompts: 0,
        backOffClosed: 0,
      };
      for (const alert of alerts.dueEscalations(now, BATCH)) {
        // Catch up in order: every step that fell due fires, once each.
        for (let fired = fireNext(alert.id, now); fired; fired = fireNext(alert.id, now)) {
          result.escalations.push({ alertId: alert.id, step: fired });
        }
      }
      for (const alert of alerts.firstTouchBreaches(now, BATCH)) {
        if (tellFirstTouchBreach(alert.id, now)) result.firstTouchBreaches++;
      }
      const promptFrom = now - Math.round(manifest.scoring.rules.back_off * 0.8);
      for (const alert of alerts.contactedBefore(promptFrom, BATCH)) {
        const done = backOff(alert.id, now);
        if (done === 'prompt') result.backOffPrompts++;
        if (done === 'close') result.backOffClosed++;
      }
      return result;
    },
  };
}

export type SlaSweep = ReturnType<typeof createSlaSweep>;
