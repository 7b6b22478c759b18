import type { AlertRow } from '../db/alerts-repo.js';
import type { Store } from '../db/store.js';
import {
  type AlertCommand,
  actorOf,
  type ClaimScope,
  mayRun,
  NOT_A_FIT_REASONS,
  type NotAFitReason,
  OUTCOMES,
  type Outcome,
} from '../domain/alert-lifecycle.js';
import type { Rep } from '../domain/definition.js';
import { ErrorCode } from '../domain/errors.js';
import { escalationDueAt } from '../domain/escalation.js';
import { dm } from '../domain/notice.js';
import { playOf } from '../domain/play.js';
import { assignableReps, assignableTier, routeNote, teamById } from '../domain/routing.js';
import { dueAfter, type PolicySnapshot } from '../domain/sla.js';
import { slackTime } from '../domain/slack-text.js';
import { accountLabel } from '../domain/usage-event.js';
import { createWebhookAnnouncer } from '../integrations/webhook-events.js';
import { accountByRef } from './account-ref.js';
import { type AlertServiceDeps, createAlertRouting, tierNotice } from './alert-routing.js';
import { UserError, userError } from './user-error.js';

export interface OutcomeInput {
  outcome: Outcome;
  amount: number | null;
  objections: string | null;
  selfServeBlocker: string | null;
  note: string | null;
}

/**
 * What reps and managers do to alerts. Each call is one unit of work (src/db/store.ts): it
 * re-reads the alert, checks the state machine against the alert as it is now, changes it with a
 * compare-and-set, appends the audit row and queues the re-render of the original message. A
 * change is answered to the person who made it, so it resolves once it is durable; the outbox
 * rows it queued wake the sender when it commits.
 */
export function createAlertActions(deps: AlertServiceDeps & { store: Store }) {
  const { alerts, accounts, outbox, manifest, store } = deps;
  const { routing } = manifest;
  const router = createAlertRouting({ accounts, alerts, manifest });
  const webhooks = createWebhookAnnouncer(deps);
  const tx =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      store.unit(() => fn(...args), { durable: true });
  /** A read of the alert as it is now (a check before a modal opens): no unit, nothing written. */
  const read =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      store.read(() => fn(...args));

  function repOf(userId: string): Rep | null {
    return routing.reps.find((r) => r.id === userId) ?? null;
  }

  /** With `rules.team_only_claims`, the team whose reps may take the alert. */
  function claimScope(alert: AlertRow): ClaimScope | null {
    if (!playOf(manifest.plays, alert.play).scoring.rules.team_only_claims) return null;
    const team = manifest.teams.find((t) => t.id === alert.teamId);
    return { teamId: alert.teamId, teamReps: team?.reps ?? [] };
  }

  /** Loads the alert and checks `command` against its current state; throws the reason. */
  async function guard(alertId: string, command: AlertCommand, userId: string): Promise<AlertRow> {
    const alert = await alerts.find(alertId);
    if (!alert) throw new UserError(ErrorCode.AlertNotFound, 'That alert does not exist (any more).');
    const verdict = mayRun(command, alert, actorOf(routing, userId), claimScope(alert));
    if (!verdict.ok) throw new UserError(ErrorCode.AlertRefused, verdict.reason);
    return alert;
  }

  /** Compare-and-set from `from`; refused with `refusal` when another change got there first. */
  async function transition(
    alert: AlertRow,
    from: AlertRow['state'][],
    changes: Partial<AlertRow>,
    now: number,
    refusal = 'The alert changed meanwhile; look at it again.',
  ): Promise<void> {
    if (!(await alerts.transition(alert, from, changes, now)))
      throw new UserError(ErrorCode.AlertChanged, refusal);
  }

  /** Records a change that happened, queues the re-render, and returns the alert as it is now. */
  async function changed(
    alert: AlertRow,
    kind: string,
    actor: string,
    data: Record<string, unknown>,
    now: number,
  ): Promise<AlertRow> {
    await alerts.record(alert.id, now, kind, actor, data);
    await webhooks.recorded(kind, alert.id, actor, data, now);
    await outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    // A fresh App Home for every rep the change touches.
    const after = (await alerts.find(alert.id))!;
    const people = [actor, alert.claimedBy, after.claimedBy, after.suggestedRep];
    await outbox.refreshHomes(
      people.filter((id) => !!id && !!repOf(id)),
      now,
    );
    return after;
  }

  /**
   * The first-touch deadline for `repId`, in their hours (their own, else the team's): from the
   * alert's clock start, later by the time it was snoozed — or, for a rep handed the alert by a
   * manager, from the hand-over (`from`), so nobody starts late on a clock they never held.
   */
  function firstTouchFor(alert: AlertRow, repId: string, now: number, from: number | null = null): number {
    const policy = alert.policy as PolicySnapshot;
    const hours = repOf(repId)?.hours ?? policy.hours;
    if (from !== null) return dueAfter(policy, hours, from, policy.firstTouch);
    return dueAfter(policy, hours, alert.tierSetAt, policy.firstTouch) + snoozedSoFar(alert, now);
  }

  /**
   * Before the alert changes hands or closes, a clock that ran out is put on the record with the
   * rep who held it (the suggested rep for the claim, the claimer for first touch): the breach
   * stays with the team and with them, whoever has the alert next.
   */
  async function recordLapses(alert: AlertRow, now: number): Promise<void> {
    if (alert.state === 'open' && now > alert.claimDueAt)
      await alerts.recordLapse(alert.id, now, 'claim', alert.suggestedRep, alert.claimDueAt);
    const touchDue = alert.firstTouchDueAt;
    if (
      alert.state === 'claimed' &&
      touchDue !== null &&
      now > touchDue &&
      alert.firstTouchBreachedAt === null
    )
      await alerts.recordLapse(alert.id, now, 'first_touch', alert.claimedBy, touchDue);
  }

  /** Time the alert has really spent snoozed by `now` (an unfinished snooze counts up to now). */
  function snoozedSoFar(alert: AlertRow, now: number): number {
    const unused = alert.snoozedUntil !== null ? Math.max(0, alert.snoozedUntil - now) : 0;
    return Math.max(0, alert.snoozedMs - unused);
  }

  /** Taking or handing over an alert ends its snooze: somebody is on it now. */
  const SNOOZE_ENDED = { snoozedUntil: null } as const;

  const claim = tx(async (alertId: string, userId: string): Promise<AlertRow> => {
    const now = deps.now();
    const alert = await guard(alertId, 'claim', userId);
    const won = await alerts.transition(
      alert,
      ['open'],
      {
        state: 'claimed',
        claimedBy: userId,
        assignedBy: null,
        claimedAt: now,
        firstTouchDueAt: firstTouchFor(alert, userId, now),
        nextEscalationAt: null,
        ...SNOOZE_ENDED,
        snoozedMs: snoozedSoFar(alert, now),
      },
      now,
    );
    if (!won) {
      const current = (await alerts.find(alert.id))!;
      throw new UserError(ErrorCode.AlertTaken, `<@${current.claimedBy}> already has this alert.`);
    }
    await recordLapses(alert, now);
    return await changed(
      alert,
      'claimed',
      userId,
      { minutesToClaim: Math.round((now - alert.tierSetAt) / 60_000), metSla: now <= alert.claimDueAt },
      now,
    );
  });

  const markContacted = tx(async (alertId: string, userId: string): Promise<AlertRow> => {
    const now = deps.now();
    const alert = await guard(alertId, 'mark_contacted', userId);
    await transition(alert, ['claimed'], { state: 'contacted', contactedAt: now }, now);
    return await changed(
      alert,
      'contacted',
      userId,
      { metSla: alert.firstTouchDueAt === null || now <= alert.firstTouchDueAt },
      now,
    );
  });

  /** Back to the queue, routed to another rep; the claim clock starts again. */
  const release = tx(async (alertId: string, userId: string): Promise<AlertRow> => {
    const now = deps.now();
    const alert = await guard(alertId, 'release', userId);
    const route = await router.route(alert.accountId, alert.tier, now, {
      exclude: [alert.claimedBy ?? userId],
      reroute: true,
      play: playOf(manifest.plays, alert.play),
    });
    const policy = alert.policy as PolicySnapshot;
    await recordLapses(alert, now);
    await transition(
      alert,
      ['claimed', 'contacted'],
      {
        state: 'open',
        claimedBy: null,
        assignedBy: null,
        claimedAt: null,
        contactedAt: null,
        suggestedRep: route.rep?.id ?? null,
        route: routeNote(route),
        tierSetAt: now,
        claimDueAt: dueAfter(policy, policy.hours, now, policy.claim),
        firstTouchDueAt: dueAfter(policy, policy.hours, now, policy.firstTouch),
        escalationCursor: 0,
        nextEscalationAt: escalationDueAt(policy, now, 0),
        firstTouchBreachedAt: null,
        backOffPromptedAt: null,
        // A fresh ladder: nothing of an earlier snooze carries over.
        ...SNOOZE_ENDED,
        snoozedMs: 0,
      },
      now,
    );
    const after = await changed(
      alert,
      'released',
      userId,
      { from: alert.claimedBy, suggested: route.rep?.id ?? null },
      now,
    );
    await outbox.notify(
      alert.id,
      { type: 'released', by: userId, next: route.rep?.id ?? null },
      ['thread'],
      now,
    );
    const byTier = tierNotice(route);
    if (byTier) await outbox.notify(alert.id, byTier, ['escalation'], now);
    return after;
  });

  /** The alert for its Details modal: anyone pls routes to (reps) and managers may look. */
  const viewable = read(async (alertId: string, userId: string): Promise<AlertRow> => {
    const actor = actorOf(routing, userId);
    if (!actor.isRep && !actor.isManager)
      throw new UserError(
        ErrorCode.NotPermitted,
        'Only reps and managers in the PQL manifest can open an alert’s details.',
      );
    const alert = await alerts.find(alertId);
    if (!alert) throw new UserError(ErrorCode.AlertNotFound, 'That alert does not exist (any more).');
    return alert;
  });

  /** Checks the button before its modal opens (the submission checks again) and names the account. */
  const check = read(
    async (
      alertId: string,
      command: AlertCommand,
      userId: string,
    ): Promise<{ alertId: string; accountName: string }> => {
      const alert = await guard(alertId, command, userId);
      if (command === 'snooze') snoozable(alert, deps.now());
      const account = await accounts.find(alert.accountId);
      return { alertId: alert.id, accountName: accountLabel(account, alert.accountId) };
    },
  );

  const notAFit = tx(
    async (
      alertId: string,
      userId: string,
      reason: NotAFitReason,
      note: string | null,
    ): Promise<AlertRow> => {
      const now = deps.now();
      const alert = await guard(alertId, 'not_a_fit', userId);
      const detail = { reason, note };
      await recordLapses(alert, now);
      await transition(
        alert,
        ['open'],
        {
          state: 'closed',
          outcome: 'not_a_fit',
          outcomeDetail: detail,
          closedAt: now,
          nextEscalationAt: null,
        },
        now,
      );
      const after = await changed(alert, 'closed', userId, { outcome: 'not_a_fit', ...detail }, now);
      const notice = { type: 'not_a_fit', by: userId, reason: NOT_A_FIT_REASONS[reason], note } as const;
      await outbox.notify(alert.id, notice, ['thread'], now);
      return after;
    },
  );

  const logOutcome = tx(async (alertId: string, userId: string, input: OutcomeInput): Promise<AlertRow> => {
    const now = deps.now();
    const alert = await guard(alertId, 'log_outcome', userId);
    const detail = { ...input, loggedBy: userId };
    await transition(
      alert,
      ['claimed', 'contacted'],
      { state: 'closed', outcome: input.outcome, outcomeDetail: detail, closedAt: now },
      now,
    );
    const after = await changed(alert, 'closed', userId, detail, now);
    const notice = {
      type: 'outcome',
      by: userId,
      outcome: OUTCOMES[input.outcome],
      amount: input.amount,
    } as const;
    await outbox.notify(alert.id, notice, ['thread'], now);
    return after;
  });

  /**
   * `/pls assign <account> @rep [play]`: a manager hands the account's alert to a named rep. The
   * play may be left out while the account has one open alert.
   */
  const assign = tx(
    async (
      managerId: string,
      accountRef: string,
      repId: string,
      play: string | null = null,
    ): Promise<AlertRow> => {
      const now = deps.now();
      if (!actorOf(routing, managerId).isManager)
        throw new UserError(ErrorCode.NotPermitted, 'Only managers can assign alerts.');
      const rep = repOf(repId);
      if (!rep) throw new UserError(ErrorCode.NotARep, `<@${repId}> is not a rep in the PQL manifest.`);
      const account = await accountByRef(accounts, accountRef);
      if (!account)
        throw userError(
          ErrorCode.AccountNotFound,
        )`No account \`${accountRef}\` (give an account id or a domain).`;
      const order = (id: string) => manifest.plays.findIndex((p) => p.id === id);
      const open = (await alerts.latestSummaries(account.id))
        .filter((latest) => latest.state !== 'closed' && (play === null || latest.play === play))
        .sort((a, b) => order(a.play) - order(b.play));
      const label = accountLabel(account, account.id);
      if (open.length === 0)
        throw play === null
          ? userError(ErrorCode.NoOpenAlert)`${label} has no open alert to assign.`
          : userError(ErrorCode.NoOpenAlert)`${label} has no open ${play} alert to assign.`;
      if (open.length > 1) {
        const plays = open.map((latest) => latest.play).join(', ');
        throw userError(
          ErrorCode.PlayAmbiguous,
        )`${label} has an open alert in each of ${plays}: name the play, e.g. \`/pls assign ${accountRef} @rep ${open[0]!.play}\`.`;
      }
      const alert = await alerts.find(open[0]!.id);
      if (!alert) throw userError(ErrorCode.NoOpenAlert)`${label} has no open alert to assign.`;
      return await handOver(alert, managerId, repId, now);
    },
  );

  /** **Assign** on an escalation post: a manager hands this alert to the rep picked in the modal. */
  const assignAlert = tx(async (managerId: string, alertId: string, repId: string): Promise<AlertRow> => {
    const now = deps.now();
    if (!actorOf(routing, managerId).isManager)
      throw new UserError(ErrorCode.NotPermitted, 'Only managers can assign alerts.');
    if (!repOf(repId))
      throw new UserError(ErrorCode.NotARep, `<@${repId}> is not a rep in the PQL manifest.`);
    const alert = await alerts.find(alertId);
    if (!alert || alert.state === 'closed')
      throw new UserError(ErrorCode.AlertRefused, 'That alert is closed: there is nothing to assign.');
    return await handOver(alert, managerId, repId, now);
  });

  /**
   * The alert is the rep's now: claimed for them, their first-touch clock starting at the
   * hand-over, everyone told. A rep limited to other tiers only when no rep of the team takes
   * this one; a clock that already ran out stays with whoever held it.
   */
  async function handOver(alert: AlertRow, managerId: string, repId: string, now: number): Promise<AlertRow> {
    if (alert.claimedBy === repId)
      throw new UserError(ErrorCode.AlertTaken, `<@${repId}> already has this alert.`);
    const rep = repOf(repId)!;
    const tierCheck = assignableTier(
      rep,
      alert.tier,
      teamById(manifest, alert.teamId),
      routing,
      await takers(),
    );
    if (!tierCheck.ok) {
      const takers = tierCheck.inTier.map((r) => `<@${r.id}>`).join(', ');
      throw new UserError(
        ErrorCode.NotARep,
        `<@${repId}> does not take ${alert.tier} alerts (the manifest’s \`tiers\`), and ${takers} ${tierCheck.inTier.length === 1 ? 'does' : 'do'}: assign it to one of them.`,
      );
    }
    await recordLapses(alert, now);
    const contacted = alert.contactedAt !== null;
    const route = { outsideTier: tierCheck.outsideTier, waitsUntil: null, heldForTier: false };
    await transition(
      alert,
      ['open', 'claimed', 'contacted'],
      {
        state: contacted ? 'contacted' : 'claimed',
        claimedBy: repId,
        assignedBy: managerId,
        claimedAt: alert.claimedAt ?? now,
        suggestedRep: repId,
        route,
        nextEscalationAt: null,
        firstTouchDueAt: contacted ? alert.firstTouchDueAt : firstTouchFor(alert, repId, now, now),
        firstTouchBreachedAt: contacted ? alert.firstTouchBreachedAt : null,
        ...SNOOZE_ENDED,
        snoozedMs: snoozedSoFar(alert, now),
      },
      now,
      'The alert changed meanwhile; try again.',
    );
    const after = await changed(alert, 'assigned', managerId, { from: alert.claimedBy, to: repId }, now);
    const from = alert.claimedBy !== repId ? alert.claimedBy : null;
    const notice = { type: 'assigned', by: managerId, to: repId, from } as const;
    await outbox.notify(alert.id, notice, ['thread', { user: repId }, dm(from)], now);
    const byTier = tierNotice({ ...route, rep });
    if (byTier) await outbox.notify(alert.id, byTier, ['escalation'], now);
    return after;
  }

  /** Whether a rep can take one more alert now: routing's test (not away, under capacity), one read for all reps. */
  async function takers(): Promise<(rep: Rep) => boolean> {
    const { away, held } = await alerts.repStatus();
    return (rep) => !away.has(rep.id) && (held.get(rep.id) ?? 0) < rep.capacity;
  }

  /**
   * Checks an Assign button before its modal opens: managers only, an alert still open. Names
   * the reps the modal offers: those who may have it by its tier (see `assignableTier`).
   */
  const assignable = read(
    async (
      alertId: string,
      userId: string,
    ): Promise<{ alertId: string; accountName: string; reps: Rep[] }> => {
      if (!actorOf(routing, userId).isManager)
        throw new UserError(ErrorCode.NotPermitted, 'Only managers can assign alerts.');
      const alert = await alerts.find(alertId);
      if (!alert || alert.state === 'closed')
        throw new UserError(ErrorCode.AlertRefused, 'That alert is closed: there is nothing to assign.');
      return {
        alertId: alert.id,
        accountName: accountLabel(await accounts.find(alert.accountId), alert.accountId),
        reps: assignableReps(alert.tier, teamById(manifest, alert.teamId), routing, await takers()),
      };
    },
  );

  /**
   * **Snooze**: the alert is put aside for `ms`; its claim and first-touch deadlines and its
   * ladder move by as much (clocks pause), and the claimer or suggested rep is reminded when it
   * ends. A rep who may take the alert, or a manager.
   */
  const snooze = tx(async (alertId: string, userId: string, ms: number): Promise<AlertRow> => {
    const now = deps.now();
    const alert = snoozable(await guard(alertId, 'snooze', userId), now);
    const until = now + ms;
    const moved = shiftClocks(alert, ms);
    if (!(await alerts.resnooze(alert.id, alert.snoozedUntil, { ...moved, snoozedUntil: until }, now)))
      throw new UserError(ErrorCode.AlertChanged, 'The alert changed meanwhile; look at it again.');
    await outbox.notify(alert.id, { type: 'snoozed', by: userId, until }, ['thread'], now);
    return await changed(alert, 'snoozed', userId, { until, ms }, now);
  });

  /** Throws why the alert cannot be snoozed now; the alert when it can. */
  function snoozable(alert: AlertRow, now: number): AlertRow {
    if (alert.snoozedUntil !== null && alert.snoozedUntil > now)
      throw new UserError(
        ErrorCode.SnoozeRefused,
        `This alert is already snoozed until ${slackTime(alert.snoozedUntil)}.`,
      );
    // A snooze pauses clocks that still run; it never turns a missed deadline into a met one.
    const due = alert.state === 'open' ? alert.claimDueAt : alert.firstTouchDueAt;
    if (due !== null && due <= now)
      throw new UserError(
        ErrorCode.SnoozeRefused,
        'This alert is past its SLA already: a snooze cannot take that back.',
      );
    return alert;
  }

  /** **Unsnooze** (managers): the snooze ends now, and the clocks get back the time not used. */
  const unsnooze = tx(async (alertId: string, userId: string): Promise<AlertRow> => {
    const now = deps.now();
    if (!actorOf(routing, userId).isManager)
      throw new UserError(ErrorCode.NotPermitted, 'Only managers can end a snooze early.');
    const alert = await alerts.find(alertId);
    if (!alert) throw new UserError(ErrorCode.AlertNotFound, 'That alert does not exist (any more).');
    if (alert.snoozedUntil === null || alert.snoozedUntil <= now)
      throw new UserError(ErrorCode.SnoozeRefused, 'This alert is not snoozed.');
    return await endSnooze(alert, userId, now);
  });

  /**
   * Ends an alert's snooze (its time is up, or a manager ends it): what was not used goes back to
   * the clocks, and whoever has or should take the alert is reminded. The SLA sweep calls this too.
   */
  async function endSnooze(alert: AlertRow, by: string | null, now: number): Promise<AlertRow> {
    const unused = Math.max(0, (alert.snoozedUntil ?? now) - now);
    const moved = shiftClocks(alert, -unused);
    if (!(await alerts.resnooze(alert.id, alert.snoozedUntil, { ...moved, snoozedUntil: null }, now)))
      throw new UserError(ErrorCode.AlertChanged, 'The alert changed meanwhile; look at it again.');
    const rep = alert.claimedBy ?? alert.suggestedRep;
    await outbox.notify(alert.id, { type: 'snooze_ended', by }, ['thread', dm(rep)], now);
    await alerts.record(alert.id, now, 'snooze_ended', by, { unused });
    await outbox.enqueue({ kind: 'alert.update', alertId: alert.id }, now);
    await outbox.refreshHomes([rep], now);
    return (await alerts.find(alert.id))!;
  }

  /** The clocks a snooze pauses, moved by `ms` (negative: given back). */
  function shiftClocks(alert: AlertRow, ms: number): Partial<AlertRow> {
    return {
      snoozedMs: Math.max(0, alert.snoozedMs + ms),
      claimDueAt: alert.state === 'open' ? alert.claimDueAt + ms : alert.claimDueAt,
      firstTouchDueAt: alert.firstTouchDueAt === null ? null : alert.firstTouchDueAt + ms,
      nextEscalationAt: alert.nextEscalationAt === null ? null : alert.nextEscalationAt + ms,
    };
  }

  /**
   * The SLA sweep's step: every snooze that is over ends, each in its own unit (derived from
   * the clock: nobody waits for its answer, the sender waits for the disk before telling Slack).
   */
  const endSnoozesDue = async (now: number, limit: number): Promise<number> => {
    const due = await store.read(() => alerts.snoozesOver(now, limit));
    if (due.length === 0) return 0;
    // One unit for them all, a savepoint each (as the sweep's steps): one commit, not one per alert.
    return store.unit(
      async (unit) => {
        let ended = 0;
        for (const id of due) {
          try {
            if (await unit.savepoint(() => endSnoozeDue(id, now))) ended++;
          } catch (error) {
            // Another change to the alert got there first: the next sweep looks at it again.
            if (!(error instanceof UserError)) throw error;
          }
        }
        return ended;
      },
      { durable: false },
    );
  };

  /** Ends the alert's snooze if it is (still) over; false when there was nothing to end. */
  async function endSnoozeDue(id: string, now: number): Promise<boolean> {
    const alert = await alerts.find(id);
    if (!alert || alert.snoozedUntil === null || alert.snoozedUntil > now) return false;
    if (alert.state !== 'open' && alert.state !== 'claimed') {
      await alerts.update(alert.id, { snoozedUntil: null }, now);
      return false;
    }
    await endSnooze(alert, null, now);
    return true;
  }

  /** `/pls ooo on|off` for the caller; returns how many alerts they still hold. */
  const setOutOfOffice = tx(async (userId: string, on: boolean): Promise<{ held: number }> => {
    if (!repOf(userId))
      throw new UserError(
        ErrorCode.NotARep,
        'Only reps of the PQL manifest are routed alerts, so there is nothing to switch.',
      );
    await alerts.setOoo(userId, on, deps.now());
    return { held: await alerts.heldBy(userId) };
  });

  return {
    claim,
    markContacted,
    release,
    check,
    viewable,
    notAFit,
    logOutcome,
    snooze,
    unsnooze,
    assignAlert,
    assignable,
    endSnoozesDue,
    assign,
    setOutOfOffice,
  };
}

export type AlertActions = ReturnType<typeof createAlertActions>;
