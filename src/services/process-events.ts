import { monotonicFactory } from 'ulid';
import type { AccountRow } from '../db/accounts-repo.js';
import type { AlertRow } from '../db/alerts-repo.js';
import type { CrmRepo } from '../db/crm-repo.js';
import type { DailyTicksRepo } from '../db/daily-ticks-repo.js';
import type { PendingEvent, PendingEvents } from '../db/event-store.js';
import { ChangedMeanwhile, type Store } from '../db/store.js';
import { type AccountState, emptyAccountState, restoreAccountState } from '../domain/account-state.js';
import {
  type PlayAlerts,
  type PlayStep,
  rescoreEventId,
  type StepDecision,
  stepAccount,
  tickAccount,
} from '../domain/account-step.js';
import type { Play } from '../domain/definition.js';
import { escalationDueAt } from '../domain/escalation.js';
import type { AlertSummary } from '../domain/handoff.js';
import { dm } from '../domain/notice.js';
import { judgesAccount, movesWithTime, NEW_BUSINESS } from '../domain/play.js';
import { routeNote, teamById } from '../domain/routing.js';
import { EMPTY_SCORE, readyForSales, type Score, scoreAccount } from '../domain/scoring.js';
import { dueAfter, type PolicySnapshot, slaDeadlines, snapshotPolicy } from '../domain/sla.js';
import { toUsageEvent, withPlanChange } from '../domain/stored-event.js';
import type { AccountPatch } from '../domain/usage-event.js';
import { DAY } from '../domain/windows.js';
import { createWebhookAnnouncer } from '../integrations/webhook-events.js';
import { type AlertServiceDeps, createAlertRouting, tierNotice } from './alert-routing.js';

const nextUlid = monotonicFactory();

/**
 * How long one turn may run by default: one transaction, so on SQLite the write lock is held
 * this long at most when nobody waits (a main-thread write that waits ends the turn after its
 * current event: `yieldNow`).
 */
const TURN_BUDGET_MS = 5;
/** The most pending events one turn reads. */
const BATCH_LIMIT = 500;
export const newAlertId = () => `al_${nextUlid()}`;

export interface ProcessorDeps extends AlertServiceDeps {
  events: PendingEvents;
  /** Each turn is one unit of work, derived from stored events: it does not wait for the disk. */
  store: Store;
  /**
   * How long one turn may run (default 5 ms). Postgres's turns hold only their accounts' locks,
   * and each statement is a round trip: a longer turn spreads BEGIN, COMMIT and the pending
   * read over more events.
   */
  turnBudgetMs?: number;
  /** Whether a writer with priority waits: the turn ends after the event it is on (src/db/sqlite/write-turns.ts). */
  yieldNow?: () => boolean;
  /** Set when HubSpot is on: routing reads the CRM owners found for accounts (src/integrations/owner-lookup.ts). */
  crm?: CrmRepo | null;
  /** The daily re-score's progress; without it (or without a play whose score moves with time) there is none. */
  ticks?: DailyTicksRepo;
}

export interface ProcessResult {
  processed: number;
  /** Whether events may be waiting behind this turn (it ran out of time, or read a full page). */
  more?: boolean;
  /** Events that threw on their own and were set aside (see `processPending`). */
  quarantined?: { eventId: string; error: string }[];
  /** Each event's steps, one per play (src/domain/account-step.ts). */
  decisions: { accountId: string; eventId: string; steps: PlayStep[] }[];
}

/** Accounts a daily re-score takes in one unit. */
const TICK_PAGE = 200;
/** Days the app was down are re-scored when it comes back, up to this many (the change metrics' 28 days). */
const MAKE_UP_DAYS = 28;

/** The tier of each alert a turn opened, whatever its play. */
export function openedTiers(result: ProcessResult): ('hot' | 'warm')[] {
  return result.decisions.flatMap(({ steps }) =>
    steps.flatMap(({ decision }) => (decision.kind === 'open' ? [decision.tier] : [])),
  );
}

/** The accounts a turn scored, each once. */
export function scoredAccounts(result: ProcessResult): string[] {
  return [...new Set(result.decisions.map((d) => d.accountId))];
}

/**
 * The scoring pipeline: applies stored, not-yet-processed events in `seq` order. Each batch is
 * one transaction — account state, score, alert changes, outbox rows and the `processed_at`
 * marks commit together — so a crash re-runs a batch whole or not at all, and no event is ever
 * applied twice.
 */
export function createEventProcessor(deps: ProcessorDeps) {
  const { store, events, accounts, alerts, outbox, manifest } = deps;
  const { scoring } = manifest;
  const router = createAlertRouting({ accounts, alerts, manifest, crm: deps.crm });
  const webhooks = createWebhookAnnouncer(deps);
  const budget = deps.turnBudgetMs ?? TURN_BUDGET_MS;
  const timedPlays = manifest.plays.filter(movesWithTime);
  /** The last day whose re-score this processor saw finished: no query until the next day. */
  let tickedThrough = Number.NEGATIVE_INFINITY;

  /**
   * One turn's working copy of each account it touched: the state is parsed once when the turn
   * first needs it and written once at the end of the turn (`saveTouched`), inside the turn's
   * transaction, instead of a parse and a write per event.
   */
  interface Touched {
    row: AccountRow;
    state: AccountState;
    /** Each play's score as of the last event (new business always there): the next event's before. */
    scores: Map<string, Score>;
  }

  async function processOne(
    row: PendingEvent,
    now: number,
    touched: Map<string, Touched>,
  ): Promise<ProcessResult['decisions'][number] | null> {
    const event = toUsageEvent(row);
    if (event.userId) await accounts.upsertUser(event.userId, event.user, now);
    if (!event.accountId) return null;

    const current = touched.get(event.accountId) ?? (await load(event.accountId, now));
    const before = current?.scores.get(NEW_BUSINESS);
    const state = current?.state ?? emptyAccountState();

    // Products resend the same traits with every event: write and read back only what changed.
    const patch = changedFirmographics(current?.row, withPlanChange(event, state.planChangedAt ?? null));
    if (!current || patch) await accounts.upsert(event.accountId, patch, now);
    if (event.userId)
      await accounts.recordUserActivity(event.accountId, event.userId, Math.min(event.occurredAt, now));
    const account = current && !patch ? current.row : (await accounts.find(event.accountId))!;
    const latest = new Map((await alerts.latestSummaries(account.id)).map((alert) => [alert.play, alert]));
    const wasReady = readyForSales(before, Boolean(state.armed));
    const stepped = stepAccount({
      event,
      receivedAt: row.receivedAt,
      state,
      previous: current?.row ?? null,
      account,
      plays: manifest.plays,
      alertsOf: alertsIn(latest),
      now,
      before: (play) => current?.scores.get(play),
    });
    const scores = new Map<string, Score>();
    for (const step of stepped.plays) if (step.after) scores.set(step.play.id, step.after);
    touched.set(account.id, { row: account, state, scores });
    const after = scores.get(NEW_BUSINESS)!;
    for (const step of stepped.plays) {
      const { decision, play } = step;
      if (decision.kind === 'none') continue;
      // Most events decide nothing: the open alert's whole row is read only when one acts on it.
      const open = latest.get(play.id);
      const openRow = open && open.state !== 'closed' ? await alerts.find(open.id) : null;
      await act(decision, play, account, openRow, step.before ?? EMPTY_SCORE, step.after!, now);
    }
    if (!wasReady && readyForSales(after, Boolean(state.armed)))
      await webhooks.ready(
        account.id,
        {
          tier: after.tier,
          score: Math.round(after.total),
          armed: Boolean(state.armed),
          alert_opened: stepped.plays[0]!.decision.kind === 'open',
          event_id: event.id,
        },
        now,
      );
    return { accountId: account.id, eventId: event.id, steps: stepped.plays };
  }

  /** An account's working copy as stored, new business scored at `now`; undefined for one never seen. */
  async function load(accountId: string, now: number): Promise<Touched | undefined> {
    const row = await accounts.find(accountId);
    if (!row) return undefined;
    const state = restoreAccountState(row.state);
    return { row, state, scores: new Map([[NEW_BUSINESS, scoreAccount(state, row, scoring, now)]]) };
  }

  /**
   * The daily re-score of the plays whose score moves with time (falling usage), a page of
   * accounts per unit, before the day's events: each account scored as of the day's start
   * (`tickAccount`), as replay does it. A day begun and not finished (a restart, another
   * instance) is finished first; then the days the app was down (`firstDayAfter`), then today.
   */
  async function tickIfDue(now: number): Promise<ProcessResult | null> {
    const ticks = deps.ticks;
    const today = Math.floor(now / DAY);
    if (!ticks || timedPlays.length === 0 || tickedThrough >= today) return null;
    return store.unit(
      async () => {
        let tick = await ticks.latest();
        if (tick && tick.finishedAt !== null && tick.day >= today) {
          tickedThrough = tick.day;
          return null;
        }
        if (!tick || tick.finishedAt !== null) {
          const day = tick ? await firstDayAfter(tick.day, today) : today;
          await ticks.begin(day);
          tick = { day, cursor: '', finishedAt: null };
        }
        const page = await ticks.accountsAfter(tick.cursor, TICK_PAGE);
        await ticks.hold(page);
        const decisions: ProcessResult['decisions'] = [];
        const quarantined: NonNullable<ProcessResult['quarantined']> = [];
        // Like an event turn, a re-score turn stops when its time is spent: the cursor keeps the
        // rest for the next turn, so ingest and the sweep are never held behind a whole page.
        const deadline = performance.now() + budget;
        const ids: string[] = [];
        for (const id of page) {
          if (ids.length > 0 && performance.now() >= deadline) break;
          ids.push(id);
          try {
            const ticked = await tickOne(id, tick.day * DAY, now);
            if (ticked) decisions.push(ticked);
          } catch (error) {
            // One account's failure must not stop the re-score, nor the events behind it: it is
            // set aside (logged by the caller) and the day goes on without it.
            if (store.isStorageFailure(error) || error instanceof ChangedMeanwhile) throw error;
            const message = error instanceof Error ? error.message : String(error);
            quarantined.push({ eventId: `${rescoreEventId(tick.day * DAY)}:${id}`, error: message });
          }
        }
        const finished = page.length < TICK_PAGE && ids.length === page.length ? now : null;
        if (!(await ticks.advance(tick.day, tick.cursor, ids.at(-1) ?? tick.cursor, finished)))
          throw new ChangedMeanwhile(`day ${tick.day}'s re-score moved on meanwhile`);
        return { processed: 0, decisions, more: true, ...(quarantined.length > 0 ? { quarantined } : {}) };
      },
      { durable: false },
    );
  }

  /**
   * The day to re-score after `done`: the next one, so that the days the app was down are made
   * up when it comes back, as replay re-scores every day — but never a day whose events were
   * already applied (a play that moves with time added to a running install starts today), nor
   * more than `MAKE_UP_DAYS` back (the fortnights compared hold nothing older).
   */
  async function firstDayAfter(done: number, today: number): Promise<number> {
    const received = await deps.ticks!.lastAppliedReceivedAt();
    const applied = received === null ? done : Math.floor(received / DAY);
    return Math.min(today, Math.max(done + 1, applied + 1, today - MAKE_UP_DAYS));
  }

  /** One account's daily re-score: `at` is the day's start, `now` when the alerts it opens open. */
  async function tickOne(
    accountId: string,
    at: number,
    now: number,
  ): Promise<ProcessResult['decisions'][number] | null> {
    const account = await accounts.find(accountId);
    if (!account?.state) return null;
    const latest = new Map((await alerts.latestSummaries(account.id)).map((alert) => [alert.play, alert]));
    // The plays that judge it, and those with an alert of it still open (as replay ticks them).
    const ticked = timedPlays.some(
      (play) => judgesAccount(play, account) || (latest.get(play.id)?.state ?? 'closed') !== 'closed',
    );
    if (!ticked) return null;
    const state = restoreAccountState(account.state);
    const steps = tickAccount({ state, account, plays: timedPlays, alertsOf: alertsIn(latest), at });
    for (const step of steps) {
      if (step.decision.kind === 'none') continue;
      const open = latest.get(step.play.id);
      const openRow = open && open.state !== 'closed' ? await alerts.find(open.id) : null;
      await act(step.decision, step.play, account, openRow, step.before ?? EMPTY_SCORE, step.after!, now);
    }
    const score = scoreAccount(state, account, scoring, now);
    await accounts.saveScore(account.id, state, score.total, score.tier, now);
    return { accountId: account.id, eventId: rescoreEventId(at), steps };
  }

  async function saveTouched(touched: Map<string, Touched>, now: number): Promise<void> {
    for (const [id, { state, scores }] of touched) {
      const score = scores.get(NEW_BUSINESS)!;
      await accounts.saveScore(id, state, score.total, score.tier, now);
    }
  }

  async function act(
    decision: StepDecision,
    play: Play,
    account: AccountRow,
    open: AlertRow | null,
    before: Score,
    after: Score,
    now: number,
  ): Promise<void> {
    switch (decision.kind) {
      case 'none':
        return;
      case 'open': {
        const route = await router.routeAccount(account, decision.tier, now, { team: decision.team, play });
        const policy = snapshotPolicy(play.sla, decision.tier, route.team.hours);
        const id = newAlertId();
        await alerts.insert(
          {
            id,
            accountId: account.id,
            play: play.id,
            state: 'open',
            tier: decision.tier,
            teamId: route.team.id,
            channel: route.team.channel,
            suggestedRep: route.rep?.id ?? null,
            route: routeNote(route),
            trigger: decision.trigger,
            baseScore: before.total,
            score: after.total,
            openedAt: now,
            tierSetAt: now,
            ...slaDeadlines(policy, now),
            policy,
            nextEscalationAt: escalationDueAt(policy, now, 0),
            updatedAt: now,
          },
          null,
          { trigger: decision.trigger, route: route.reason },
        );
        await webhooks.recorded('opened', id, null, { trigger: decision.trigger, route: route.reason }, now);
        await outbox.enqueue({ kind: 'alert.post', alertId: id }, now);
        await outbox.refreshHomes([route.rep?.id], now);
        if (!route.rep)
          await outbox.notify(id, { type: 'nobody_available', reason: route.reason }, ['escalation'], now);
        const byTier = tierNotice(route);
        if (byTier) await outbox.notify(id, byTier, ['escalation'], now);
        return;
      }
      case 'upgrade': {
        const current = open!;
        const policy = snapshotPolicy(play.sla, 'hot', (current.policy as PolicySnapshot).hours);
        const clocks = await upgradedClocks(current, play, account, policy, now);
        const changes = {
          tier: 'hot',
          trigger: decision.trigger,
          score: after.total,
          policy,
          ...clocks,
        } as const;
        await changeAsRead(current, changes, now);
        await outbox.refreshHomes([current.suggestedRep, current.claimedBy, clocks.suggestedRep], now);
        const byTier =
          clocks.route &&
          clocks.suggestedRep &&
          tierNotice({ ...clocks.route, rep: { id: clocks.suggestedRep } });
        if (byTier) await outbox.notify(current.id, byTier, ['escalation'], now);
        const upgrade = { from: current.tier, to: 'hot', trigger: decision.trigger };
        await alerts.record(current.id, now, 'upgraded', null, upgrade);
        await webhooks.recorded('upgraded', current.id, null, upgrade, now);
        await outbox.enqueue({ kind: 'alert.update', alertId: current.id }, now);
        const notice = { type: 'upgraded', score: after.total, why: decision.trigger.text } as const;
        await outbox.notify(current.id, notice, ['thread'], now);
        return;
      }
      case 'thread':
        await alerts.setScore(open!.id, after.total);
        await outbox.notify(
          open!.id,
          { type: 'new_signal', score: after.total, why: decision.text },
          ['thread'],
          now,
        );
        await outbox.enqueue({ kind: 'alert.update', alertId: open!.id }, now);
        return;
      case 'refresh':
        if (Math.round(open!.score) === Math.round(after.total)) return;
        await alerts.setScore(open!.id, after.total);
        await outbox.enqueue({ kind: 'alert.update', alertId: open!.id }, now);
        return;
      case 'self_served': {
        const current = open!;
        await changeAsRead(
          current,
          { state: 'closed', outcome: 'self_served', closedAt: now, score: after.total },
          now,
        );
        const closing = { outcome: 'self_served', plan: decision.plan };
        await alerts.record(current.id, now, 'closed', null, closing);
        await webhooks.recorded('closed', current.id, null, closing, now);
        await outbox.enqueue({ kind: 'alert.update', alertId: current.id }, now);
        const notice = { type: 'self_served', plan: decision.plan } as const;
        await outbox.notify(current.id, notice, ['thread', dm(current.claimedBy)], now);
        await outbox.refreshHomes([current.claimedBy, current.suggestedRep], now);
        return;
      }
    }
  }

  /**
   * Changes the alert only if no click or sweep changed it since this turn read it (on Postgres
   * they run side by side with scoring; on SQLite never inside a turn): else the turn rolls back
   * and runs again on what they left.
   */
  async function changeAsRead(read: AlertRow, changes: Partial<AlertRow>, now: number): Promise<void> {
    if (!(await alerts.transition(read, [read.state], changes, now)))
      throw new ChangedMeanwhile(`alert ${read.id} changed since this turn read it`);
  }

  /**
   * An upgrade to hot sets hot's clocks from now. Unclaimed: re-routed (hot may go to senior
   * reps only), the claim clock and the ladder restart. Claimed: the first-touch deadline moves to
   * hot's, in the claimer's hours; the claim history stays. Contacted: nothing left to time.
   */
  async function upgradedClocks(
    alert: AlertRow,
    play: Play,
    account: AccountRow,
    policy: PolicySnapshot,
    now: number,
  ): Promise<Partial<AlertRow>> {
    if (alert.state === 'open') {
      const route = await router.routeAccount(account, 'hot', now, {
        team: teamById(play.routing, alert.teamId),
        play,
      });
      return {
        suggestedRep: route.rep?.id ?? alert.suggestedRep,
        ...(route.rep ? { route: routeNote(route) } : {}),
        tierSetAt: now,
        escalationCursor: 0,
        nextEscalationAt: escalationDueAt(policy, now, 0),
        ...slaDeadlines(policy, now),
        // Hot is news: a snooze ends, and the fresh ladder carries none of it.
        snoozedUntil: null,
        snoozedMs: 0,
      };
    }
    if (alert.state === 'claimed' && alert.claimedBy) {
      const hours = manifest.routing.reps.find((r) => r.id === alert.claimedBy)?.hours ?? policy.hours;
      return { firstTouchDueAt: dueAfter(policy, hours, now, policy.firstTouch), firstTouchBreachedAt: null };
    }
    return {};
  }

  /**
   * Applies rows in order until they run out, the turn's time budget is spent or a main-thread
   * write waits: a batch is one transaction and holds the write lock until it commits. The rest
   * waits for the next turn.
   */
  let readAhead = Number.POSITIVE_INFINITY;
  const processBatch = async (rows: PendingEvent[], now: number) => {
    const decisions: ProcessResult['decisions'] = [];
    const deadline = performance.now() + budget;
    const touched = new Map<string, Touched>();
    let processed = 0;
    for (const row of rows) {
      const decided = await processOne(row, now, touched);
      if (decided) decisions.push(decided);
      // Applied by another processor since this turn read it: the whole turn rolls back, and the
      // next one reads what is still pending.
      if (!(await events.markProcessed(row.seq, now)))
        throw new ChangedMeanwhile(`event ${row.seq} was applied by another processor meanwhile`);
      processed++;
      if (performance.now() > deadline || deps.yieldNow?.()) break;
    }
    await saveTouched(touched, now);
    return { processed, decisions };
  };

  /** One unit of work: the events it applies are read inside it, so no other turn takes them. */
  const turn = (readLimit: number) =>
    store.unit(
      async () => {
        const rows = await events.pending(readLimit);
        return { read: rows.length, ...(rows.length === 0 ? EMPTY : await processBatch(rows, deps.now())) };
      },
      { durable: false },
    );

  return {
    /**
     * Processes up to `BATCH_LIMIT` pending events in one unit; 0 when there were none. If the
     * batch throws, it rolls back whole and its events are retried one by one: the one that
     * still throws is quarantined (marked processed, with its error) and logged by the caller.
     * A failure of the storage itself (locked, full, I/O) is no event's fault: it is thrown, the
     * events stay pending, and the loop tries again later.
     */
    processPending,
  };

  async function processPending(): Promise<ProcessResult> {
    try {
      const ticked = await tickIfDue(deps.now());
      if (ticked) return ticked;
    } catch (error) {
      if (store.isStorageFailure(error) || !(error instanceof ChangedMeanwhile)) throw error;
      return { processed: 0, decisions: [], more: true };
    }
    // A turn that runs out of time has read rows it never reaches: read about what one manages.
    const readLimit = Math.min(BATCH_LIMIT, readAhead);
    try {
      const { read, ...result } = await turn(readLimit);
      if (read === 0) return { processed: 0, decisions: [] };
      const cut = result.processed < read;
      readAhead = Math.max(16, cut ? result.processed * 2 : read * 2);
      return { ...result, more: cut || read === readLimit };
    } catch (batchError) {
      if (store.isStorageFailure(batchError)) throw batchError;
      // Another processor got there first: nothing is wrong with the events; read again.
      if (batchError instanceof ChangedMeanwhile) return { processed: 0, decisions: [], more: true };
      const decisions: ProcessResult['decisions'] = [];
      const quarantined: ProcessResult['quarantined'] = [];
      const deadline = performance.now() + budget;
      let processed = 0;
      const rows = await store.read(() => events.pending(readLimit));
      let looked = 0;
      for (const row of rows) {
        looked++;
        try {
          const one = async () => {
            // Still pending (the batch rolled back): applied alone, in a unit of its own.
            const [again] = await events.pending(1);
            return again?.seq === row.seq ? processBatch([row], deps.now()) : EMPTY;
          };
          const applied = await store.unit(one, { durable: false });
          decisions.push(...applied.decisions);
          processed += applied.processed;
        } catch (error) {
          if (store.isStorageFailure(error)) throw error;
          if (error instanceof ChangedMeanwhile) continue;
          const message = error instanceof Error ? error.message : String(error);
          const set = await store.unit(() => events.quarantine(row.seq, message, deps.now()), {
            durable: false,
          });
          if (set) {
            quarantined.push({ eventId: row.id, error: message });
            processed++;
          }
        }
        if (performance.now() > deadline || deps.yieldNow?.()) break;
      }
      const more = looked < rows.length || rows.length === readLimit;
      return { processed, decisions, quarantined, more };
    }
  }
}

export type EventProcessor = ReturnType<typeof createEventProcessor>;

const EMPTY: { processed: number; decisions: ProcessResult['decisions'] } = Object.freeze({
  processed: 0,
  decisions: [],
});

/** Each play's alerts of an account, from its latest alert per play (`latestSummaries`). */
function alertsIn(latest: ReadonlyMap<string, AlertSummary>): (play: string) => PlayAlerts {
  return (play) => {
    const last = latest.get(play) ?? null;
    return { openAlert: last?.state === 'closed' ? null : last, lastAlert: last };
  };
}

/** The patch if it would change any of the account's fields, else null. */
function changedFirmographics(row: AccountRow | undefined, patch: AccountPatch | null): AccountPatch | null {
  if (!patch || !row) return patch;
  for (const [key, value] of Object.entries(patch) as [keyof AccountPatch, unknown][])
    if (value !== undefined && value !== null && row[key] !== value) return patch;
  return null;
}
