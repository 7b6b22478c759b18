import type { AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { AlertState } from '../db/schema.js';
import type { Store } from '../db/store.js';
import { actorOf } from '../domain/alert-lifecycle.js';
import type { Manifest } from '../domain/definition.js';
import { ErrorCode } from '../domain/errors.js';
import type { AlertTrigger } from '../domain/handoff.js';
import { playOf } from '../domain/play.js';
import { shownScore } from '../domain/scoring.js';
import { whyNowWords } from '../domain/signal-text.js';
import { formatMinutes, slackTime } from '../domain/slack-text.js';
import { userError } from './user-error.js';

const QUEUE_PAGE = 15;

export interface QueueRequest {
  view: 'mine' | 'unclaimed' | 'all';
  tier: 'hot' | 'warm' | null;
  team: string | null;
  /** Null: every play. */
  play: string | null;
  page: number;
}

export interface QueueRow {
  alertId: string;
  account: string;
  /** The play's label ("Expansion"); null for new business beside no other play. */
  play: string | null;
  tier: 'hot' | 'warm';
  score: number;
  state: AlertState;
  why: string;
  holder: string | null;
  suggestedRep: string | null;
  /** "claim due in 4 min", "⚠️ 12 min over the claim SLA", "first touch due in 1 h". */
  clock: string;
  breached: boolean;
}

export interface QueueView {
  title: string;
  rows: QueueRow[];
  total: number;
  page: number;
  pages: number;
}

/**
 * `/pls queue [mine|unclaimed|all] [hot|warm] [team] [play] [page]`, in any order. Default:
 * unclaimed, in the caller's teams (all teams for a manager), every play.
 */
export function parseQueueArgs(args: readonly string[], manifest: Manifest): QueueRequest {
  const request: QueueRequest = { view: 'unclaimed', tier: null, team: null, play: null, page: 1 };
  const teams = manifest.teams.map((t) => t.id);
  const plays = manifest.plays.map((p) => p.id);
  const named = (ids: string[], arg: string) => ids.find((id) => id.toLowerCase() === arg) ?? null;
  for (const raw of args) {
    const arg = raw.toLowerCase();
    if (arg === 'mine' || arg === 'unclaimed' || arg === 'all') request.view = arg;
    else if (arg === 'hot' || arg === 'warm') request.tier = arg;
    else if (named(teams, arg)) request.team = named(teams, arg);
    else if (named(plays, arg)) request.play = named(plays, arg);
    else if (/^\d+$/.test(arg) && Number(arg) >= 1) request.page = Number(arg);
    else {
      const list = (ids: string[]) => ids.map((id) => `\`${id}\``).join(', ');
      throw userError(
        ErrorCode.CommandUsage,
      )`\`${raw}\` is not a queue filter. Usage: \`/pls queue [mine|unclaimed|all] [hot|warm] [team] [play] [page]\`; teams: ${list(teams)}; plays: ${list(plays)}.`;
    }
  }
  return request;
}

const STATES: Record<QueueRequest['view'], readonly AlertState[]> = {
  unclaimed: ['open'],
  mine: ['claimed', 'contacted'],
  all: ['open', 'claimed', 'contacted'],
};

export function createQueueService(deps: {
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  manifest: Manifest;
  store: Store;
}) {
  const { alerts, accounts, manifest, store } = deps;
  const { routing } = manifest;

  /** The teams a user works in: every team for a manager; for a rep, the teams that list them. */
  function teamsOf(userId: string): string[] | null {
    if (actorOf(routing, userId).isManager) return null;
    const mine = manifest.teams
      .filter((t) => t.reps.includes(userId) || t.reps.length === 0)
      .map((t) => t.id);
    return mine.length > 0 ? mine : null;
  }

  return {
    /**
     * The user's claimed alerts still awaiting first touch (App Home), first page, the soonest
     * deadline first: breached ones lead, however many the user holds.
     */
    awaitingFirstTouch(userId: string, now: number): Promise<QueueRow[]> {
      return held('claimed', userId, now);
    },

    /**
     * Alerts the user marked contacted and has not closed, the oldest deadline first: what still
     * needs an outcome logged (the App Home).
     */
    awaitingOutcome(userId: string, now: number): Promise<QueueRow[]> {
      return held('contacted', userId, now);
    },

    /** `/pls queue`: a read of committed state. */
    queue(userId: string, request: QueueRequest, now: number): Promise<QueueView> {
      return store.read(() => this.queueView(userId, request, now));
    },

    /** The same, for a caller already inside a read (the App Home). */
    async queueView(userId: string, request: QueueRequest, now: number): Promise<QueueView> {
      const teams = request.team ? [request.team] : request.view === 'mine' ? null : teamsOf(userId);
      const { rows, total } = await alerts.queue({
        states: STATES[request.view],
        teams,
        tier: request.tier,
        play: request.play,
        claimedBy: request.view === 'mine' ? userId : null,
        limit: QUEUE_PAGE,
        offset: (request.page - 1) * QUEUE_PAGE,
        now,
      });
      const scope = request.team ?? (teams ? teams.join(', ') : 'all teams');
      const what = { unclaimed: 'Unclaimed', mine: 'Your', all: 'Open' }[request.view];
      const play = request.play ? ` ${playOf(manifest.plays, request.play).label.toLowerCase()}` : '';
      return {
        title:
          `${what} ${request.tier ?? ''}${play} alerts · ${request.view === 'mine' ? 'all teams' : scope}`.replace(
            /\s+/g,
            ' ',
          ),
        rows: await rowsOf(rows, now),
        total,
        page: request.page,
        pages: Math.max(1, Math.ceil(total / QUEUE_PAGE)),
      };
    },
  };

  /** The first page of the alerts `userId` holds in `state`, the soonest first-touch deadline first. */
  async function held(state: 'claimed' | 'contacted', userId: string, now: number): Promise<QueueRow[]> {
    const { rows } = await alerts.queue({
      states: [state],
      teams: null,
      tier: null,
      play: null,
      claimedBy: userId,
      limit: QUEUE_PAGE,
      offset: 0,
      order: 'firstTouchDue',
      now,
    });
    return rowsOf(rows, now);
  }

  async function rowsOf(alerts: AlertRow[], now: number): Promise<QueueRow[]> {
    const rows: QueueRow[] = [];
    for (const alert of alerts) rows.push(await toRow(alert, now));
    return rows;
  }

  async function toRow(alert: AlertRow, now: number): Promise<QueueRow> {
    const trigger = alert.trigger as AlertTrigger;
    const sla = slaClock(alert, now);
    // A snoozed alert stays in the queue, marked, below the others (the query sorts it last).
    const snoozedUntil = alert.snoozedUntil !== null && alert.snoozedUntil > now ? alert.snoozedUntil : null;
    const clock = snoozedUntil ? `💤 snoozed until ${slackTime(snoozedUntil)} · ${sla.clock}` : sla.clock;
    const { breached } = sla;
    return {
      alertId: alert.id,
      account: (await accounts.labelOf(alert.accountId)) ?? alert.accountId,
      play: manifest.plays.length > 1 ? playOf(manifest.plays, alert.play).label : null,
      tier: alert.tier,
      score: shownScore(alert.score), // as the alert header shows it
      state: alert.state,
      why: whyNowWords(trigger, now),
      holder: alert.claimedBy,
      suggestedRep: alert.suggestedRep,
      clock,
      breached,
    };
  }
}

/** Age against the SLA that matters in the alert's state. */
function slaClock(
  alert: Pick<AlertRow, 'state' | 'claimDueAt' | 'firstTouchDueAt'>,
  now: number,
): { clock: string; breached: boolean } {
  const [label, due] =
    alert.state === 'open'
      ? ['claim', alert.claimDueAt]
      : alert.state === 'claimed'
        ? ['first touch', alert.firstTouchDueAt]
        : [null, null];
  if (label === null || due === null) return { clock: 'contacted', breached: false };
  if (now > due) return { clock: `⚠️ ${formatMinutes(now - due)} over the ${label} SLA`, breached: true };
  return { clock: `${label} due in ${formatMinutes(due - now)}`, breached: false };
}

export type QueueService = ReturnType<typeof createQueueService>;
