import type { AlertAccount, AlertRow } from '../db/alerts-repo.js';
import { ChangedMeanwhile, type Store, type Unit } from '../db/store.js';
import type { EscalationStep } from '../domain/definition.js';
import { backOffStage, dueStep, escalationDueAt, ladderStart } from '../domain/escalation.js';
import { dm } from '../domain/notice.js';
import { playOf } from '../domain/play.js';
import { routeNote, teamById, teamRepsOf } from '../domain/routing.js';
import { type PolicySnapshot, slaDeadlines } from '../domain/sla.js';
import { createWebhookAnnouncer } from '../integrations/webhook-events.js';
import { type AlertServiceDeps, createAlertRouting, tierNotice } from './alert-routing.js';

export interface SweepResult {
  escalations: { alertId: string; step: string }[];
  firstTouchBreaches: number;
  backOffPrompts: number;
  backOffClosed: number;
  /** Actions that threw: each rolled back alone and is tried again by the next sweep. */
  failed: { alertId: string; action: 'escalation' | 'first_touch' | 'back_off'; error: unknown }[];
}

const BATCH = 500;

interface Fired {
  step: EscalationStep['do'];
  more: boolean;
}

/**
 * One SLA sweep: a pure-in-effect function of (database state, now). Every action re-reads the
 * alert and checks it is still due, then moves its cursor or flag with a compare-and-set on what
 * it read, together with the outbox rows it causes, all in one savepoint — so overlapping
 * sweeps (on one instance or several), a crash mid-sweep or a restart fire each step exactly
 * once, and steps that fell due while pls was down fire in order on the next sweep. A step whose
 * compare-and-set finds the alert moved on rolls back alone: someone else fired it.
 *
 * The actions of a sweep share one unit of work (one commit instead of one per step:
 * BENCHMARKS.md, "SLA sweep"); it is derived from the clock, so it does not wait for the disk
 * (the outbox sender does, before it tells Slack). An action that throws rolls back to its
 * savepoint and the others still commit; a crash before the commit loses the whole sweep, which
 * the next one redoes.
 */
export function createSlaSweep(deps: AlertServiceDeps & { store: Store }) {
  const { alerts, accounts, outbox, manifest, store } = deps;
  const router = createAlertRouting({ accounts, alerts, manifest });
  const webhooks = createWebhookAnnouncer(deps);
  /** How many reps a team's alerts go round: its own, or every rep for a team without a list. */
  const teamSize = (teamId: string) => teamRepsOf(teamById(manifest, teamId), manifest.routing).length;
  /** The rules of the alert's play (SPEC §5: each play's merged over the top level's). */
  const rulesOf = (alert: Pick<AlertRow, 'play'>) => playOf(manifest.plays, alert.play).scoring.rules;
  /** When the account's self-serve checkout window closes, if it started one. */
  const checkoutEndsAt = (account: AlertAccount | null, alert: Pick<AlertRow, 'play'>): number | null => {
    const started = account?.upgradeStartedAt ?? null;
    return started === null ? null : started + rulesOf(alert).converting_window;
  };

  /**
   * Contacted alerts near their play's back-off, each play by its own: a play with a long
   * back-off never fills the batch ahead of another's alerts that are due. Alerts of a play since
   * removed from the manifest go by new business's rules, as everywhere (`playOf`).
   */
  const staleContacted = async (now: number): Promise<string[]> => {
    const near = (backOff: number) => now - Math.round(backOff * 0.8);
    const ids: string[] = [];
    for (const play of manifest.plays) {
      ids.push(...(await alerts.contactedBefore(near(play.scoring.rules.back_off), play.id, BATCH)));
    }
    const known = manifest.plays.map((play) => play.id);
    ids.push(...(await alerts.contactedBeforeOutside(near(manifest.scoring.rules.back_off), known, BATCH)));
    return ids;
  };

  /**
   * Fires the step at the alert's cursor if it is (still) due; null when there is nothing to do.
   * `more`: the next step is due too (what calling again would find, without reading again).
   */
  const fireNext = async (alertId: string, now: number): Promise<Fired | null> => {
    const found = await alerts.findWithAccount(alertId);
    if (!found) return null;
    const { alert, account } = found;
    const policy = alert.policy as PolicySnapshot;
    const due = dueStep({ ...alert, policy }, now);
    if (!due) return null;
    // Never interrupt a self-serve checkout: the ladder waits until the converting window has
    // passed, then resumes where it was.
    const checkoutUntil = checkoutEndsAt(account, alert);
    if (checkoutUntil !== null && checkoutUntil > now) {
      await alerts.advanceLadder(alert.id, alert, { nextEscalationAt: checkoutUntil }, now);
      return null;
    }
    const cursor = due.index + 1;
    const changes: Partial<AlertRow> = {
      escalationCursor: cursor,
      nextEscalationAt: escalationDueAt(policy, ladderStart(alert), cursor),
    };
    const unclaimedFor = now - alert.tierSetAt;
    const rep = alert.suggestedRep;

    if (due.step.do === 'remind') {
      const notice = { type: 'reminder', rep, unclaimedFor, claimBy: alert.claimDueAt } as const;
      await outbox.notify(alert.id, notice, ['thread', dm(rep)], now);
    } else if (due.step.do === 'escalate') {
      await outbox.notify(alert.id, { type: 'escalated', rep, unclaimedFor }, ['escalation'], now);
      await outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    } else {
      const previous = alert.suggestedRep;
      const route = await router.routeAccount(account, alert.tier, now, {
        exclude: previous ? [previous] : [],
        reroute: true,
        play: playOf(manifest.plays, alert.play),
      });
      if (route.rep) {
        // The next rep gets a clock of their own and the whole ladder — until every other rep
        // of the team has had the alert once: then the ladder ends there, and the managers,
        // told at each escalation already, are told it went round. A claim SLA that lapsed
        // stays on the record, with the team and the rep who let it lapse.
        if (now > alert.claimDueAt)
          await alerts.recordLapse(alert.id, now, 'claim', previous, alert.claimDueAt);
        const rounds = await alerts.stepsFired(alert.id, 'reassign');
        const restart = rounds < Math.max(1, teamSize(alert.teamId) - 1);
        Object.assign(changes, {
          suggestedRep: route.rep.id,
          route: routeNote(route),
          tierSetAt: now,
          ...slaDeadlines(policy, now),
          escalationCursor: restart ? 0 : policy.steps.length,
          nextEscalationAt: restart ? escalationDueAt(policy, now, 0) : null,
          snoozedUntil: null,
          snoozedMs: 0,
        } satisfies Partial<AlertRow>);
        const notice = { type: 'reassigned', to: route.rep.id, from: previous, unclaimedFor } as const;
        await outbox.notify(alert.id, notice, ['thread', { user: route.rep.id }, dm(previous)], now);
        if (!restart) {
          const reason = `it went round every rep of the team (${rounds + 1} reassignments) unclaimed; it stays with <@${route.rep.id}> and the ladder stops`;
          await outbox.notify(alert.id, { type: 'nobody_available', reason }, ['escalation'], now);
        }
        const byTier = tierNotice(route);
        if (byTier) await outbox.notify(alert.id, byTier, ['escalation'], now);
      } else {
        await outbox.notify(
          alert.id,
          { type: 'nobody_available', reason: route.reason },
          ['escalation'],
          now,
        );
      }
      await outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    }
    // Fired by another sweep since this one read the alert: what this step queued rolls back.
    if (!(await alerts.advanceLadder(alert.id, alert, changes, now))) throw new ChangedMeanwhile();
    if (changes.suggestedRep) await outbox.refreshHomes([alert.suggestedRep, changes.suggestedRep], now);
    await alerts.recordEscalation(alert.id, now, {
      step: due.step.do,
      index: due.index,
      at: due.step.at,
    });
    const next = changes.nextEscalationAt ?? null;
    // After a reassignment the ladder starts again from the new rep's clock: nothing more is due.
    return { step: due.step.do, more: next !== null && next <= now };
  };

  const tellFirstTouchBreach = async (alertId: string, now: number): Promise<boolean> => {
    const alert = await alerts.find(alertId);
    if (alert?.state !== 'claimed' || alert.firstTouchBreachedAt !== null) return false;
    if (alert.firstTouchDueAt === null || alert.firstTouchDueAt > now) return false;
    if (!(await alerts.flagFirstTouchBreach(alert.id, now))) throw new ChangedMeanwhile();
    await alerts.recordLapse(alert.id, now, 'first_touch', alert.claimedBy, alert.firstTouchDueAt);
    const notice = {
      type: 'first_touch_missed',
      claimer: alert.claimedBy!,
      dueAt: alert.firstTouchDueAt,
    } as const;
    await outbox.notify(alert.id, notice, ['escalation'], now);
    await outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    return true;
  };

  const backOff = async (alertId: string, now: number): Promise<'prompt' | 'close' | null> => {
    const alert = await alerts.find(alertId);
    if (alert?.state !== 'contacted' || alert.contactedAt === null) return null;
    const window = rulesOf(alert).back_off;
    const stage = backOffStage(alert.contactedAt, window, alert.backOffPromptedAt !== null, now);
    if (stage === 'none') return null;
    if (stage === 'prompt') {
      if (!(await alerts.flagBackOffPrompt(alert.id, now))) throw new ChangedMeanwhile();
      const notice = { type: 'back_off_prompt', closesAt: alert.contactedAt + window } as const;
      await outbox.notify(alert.id, notice, [dm(alert.claimedBy)], now);
      return 'prompt';
    }
    const closed = {
      state: 'closed',
      outcome: 'no_response',
      closedAt: now,
      nextEscalationAt: null,
    } as const;
    if (!(await alerts.transition(alert, ['contacted'], closed, now))) throw new ChangedMeanwhile();
    const detail = { outcome: 'no_response', reason: 'back_off' };
    await alerts.record(alert.id, now, 'closed', null, detail);
    await webhooks.recorded('closed', alert.id, null, detail, now);
    await outbox.notify(
      alert.id,
      { type: 'back_off_closed', contactedFor: now - alert.contactedAt },
      ['thread'],
      now,
    );
    await outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    return 'close';
  };

  /**
   * Runs one action in its savepoint. A throw rolls back only that action's writes and is
   * reported; one that ended the sweep's own transaction (disk full, I/O error: SQLite rolls
   * everything back) ends the sweep.
   */
  const attempt = async <T>(
    unit: Unit,
    result: SweepResult,
    action: SweepResult['failed'][number]['action'],
    alertId: string,
    run: () => Promise<T>,
  ): Promise<T | null> => {
    try {
      return await unit.savepoint(run);
    } catch (error) {
      if (error instanceof ChangedMeanwhile) return null;
      if (!unit.active()) throw error;
      result.failed.push({ alertId, action, error });
      return null;
    }
  };

  const act = async (
    unit: Unit,
    due: string[],
    breached: string[],
    stale: string[],
    now: number,
    result: SweepResult,
  ) => {
    for (const alertId of due) {
      // Catch up in order: every step that fell due fires, once each.
      for (let more = true; more; ) {
        const fired = await attempt(unit, result, 'escalation', alertId, () => fireNext(alertId, now));
        if (fired) result.escalations.push({ alertId, step: fired.step });
        more = fired?.more ?? false;
      }
    }
    for (const alertId of breached) {
      if (await attempt(unit, result, 'first_touch', alertId, () => tellFirstTouchBreach(alertId, now)))
        result.firstTouchBreaches++;
    }
    for (const alertId of stale) {
      const done = await attempt(unit, result, 'back_off', alertId, () => backOff(alertId, now));
      if (done === 'prompt') result.backOffPrompts++;
      if (done === 'close') result.backOffClosed++;
    }
  };

  return {
    async sweep(): Promise<SweepResult> {
      const now = deps.now();
      const result: SweepResult = {
        escalations: [],
        firstTouchBreaches: 0,
        backOffPrompts: 0,
        backOffClosed: 0,
        failed: [],
      };
      const { due, breached, stale } = await store.read(async () => ({
        due: await alerts.dueEscalations(now, BATCH),
        breached: await alerts.firstTouchBreaches(now, BATCH),
        stale: await staleContacted(now),
      }));
      if (due.length + breached.length + stale.length === 0) return result;
      await store.unit((unit) => act(unit, due, breached, stale, now, result), { durable: false });
      return result;
    },
  };
}

export type SlaSweep = ReturnType<typeof createSlaSweep>;
