import { DateTime } from 'luxon';
import type { LiveAlert } from '../db/history.js';
import type { Manifest } from '../domain/definition.js';
import { NEW_BUSINESS } from '../domain/play.js';
import { DAY } from '../domain/windows.js';
import { day } from '../report/format.js';
import { boughtWithin, type Conversion, conversionsOf, coverage, groupByAccount } from './conversions.js';
import { featureDefs } from './features.js';
import type { Purchase, ReplayAlert, ReplayResult } from './replay-engine.js';

/**
 * What `npm run replay` reports, as a pure function of a replay: alerts per week by tier and
 * team, how the alerted accounts ended, the purchases nobody was alerted to (missed PQLs), the
 * diff against the live manifest's replay, and how faithfully that replay reproduces the live
 * `alerts` table.
 */

export interface AlertBrief {
  accountId: string;
  openedAt: number;
  tier: 'hot' | 'warm';
  teamId: string;
  signalId: string | null;
  why: string;
  outcome: AlertEnding;
}

/**
 * How a replayed alert ended: a rep outcome borrowed from the live alert it matched, self-served
 * (bought while it was open), bought later (closed without an outcome, then bought within the
 * window), still open, or unknown (nobody worked it and the account did not buy).
 */
export type AlertEnding =
  | 'won'
  | 'lost'
  | 'no_response'
  | 'not_a_fit'
  | 'self_served'
  | 'bought_later'
  | 'open'
  | 'unknown';

export interface WeekRow {
  /** Monday of the week, `yyyy-MM-dd`, in the manifest's time zone. */
  week: string;
  total: number;
  hot: number;
  warm: number;
  byTeam: Record<string, number>;
}

export interface MissedPql {
  accountId: string;
  at: number;
  kind: Conversion['kind'];
  plan: string | null;
  /** Highest score in the window before buying (purchases only). */
  peakScore: number | null;
  /** Signals and metrics present when it bought. */
  present: string[];
}

export interface AlertDiff {
  against: string;
  /** Alerts both raised (paired by account and time), same tier. */
  same: number;
  onlyCandidate: AlertBrief[];
  onlyBaseline: AlertBrief[];
  tierChanges: { accountId: string; openedAt: number; baseline: 'hot' | 'warm'; candidate: 'hot' | 'warm' }[];
}

export interface Fidelity {
  /** Live alerts opened in the window. */
  live: number;
  /** Paired with a replayed alert opened at the same moment, same tier and team. */
  reproduced: number;
  /** Paired by account and time, but opened at another moment or with another tier or team. */
  differ: number;
  onlyLive: number;
  onlyReplay: number;
}

export interface ReplayReport {
  manifest: string;
  window: { from: number; to: number; days: number };
  history: {
    events: number;
    scored: number;
    accounts: number;
    firstEventAt: number | null;
    lastEventAt: number | null;
    durationMs: number | null;
  };
  alerts: {
    total: number;
    hot: number;
    warm: number;
    upgraded: number;
    accounts: number;
    byTeam: Record<string, { total: number; hot: number; warm: number }>;
    /** By play (its id): each play's alerts, judged on its own. */
    byPlay: Record<string, { total: number; hot: number; warm: number }>;
  };
  weeks: WeekRow[];
  endings: Record<AlertEnding, number>;
  conversions: { total: number; alerted: number; missed: MissedPql[] };
  diff: AlertDiff | null;
  /** How the live manifest's replay compares with the live `alerts` table. */
  fidelity: Fidelity | null;
  /** Every alert raised in the window, oldest first. */
  list: AlertBrief[];
  warnings: string[];
}

export interface ReplayReportInput {
  replay: ReplayResult;
  /** Index of the manifest under test in `replay.lanes`. */
  candidate: { lane: number; label: string };
  /** The live manifest's lane, for the diff and the fidelity check (may equal the candidate's). */
  baseline: { lane: number; label: string } | null;
  liveAlerts: readonly LiveAlert[];
  from: number;
  to: number;
  /** Attribution window for purchases and missed PQLs. */
  window: number;
  /** Pairs alerts of the same account across replays. */
  matchWindow: number;
  durationMs?: number;
}

const WARM_UP = 30 * DAY;

export function buildReplayReport(input: ReplayReportInput): ReplayReport {
  const { replay, from, to, window } = input;
  const lane = replay.lanes[input.candidate.lane]!;
  const manifest = lane.manifest;
  const inWindow = (a: { openedAt: number }) => a.openedAt > from && a.openedAt <= to;
  const alerts = lane.alerts.filter(inWindow);
  const purchasesByAccount = groupByAccount(lane.purchases);
  const ending = (a: ReplayAlert) => endingOf(a, purchasesByAccount, window);
  const brief = (a: ReplayAlert): AlertBrief => ({
    accountId: a.accountId,
    openedAt: a.openedAt,
    tier: a.tier,
    teamId: a.teamId,
    signalId: a.trigger.signalId,
    why: a.trigger.text,
    outcome: ending(a),
  });

  const byTeam: ReplayReport['alerts']['byTeam'] = {};
  const byPlay: ReplayReport['alerts']['byPlay'] = {};
  for (const a of alerts) {
    byTeam[a.teamId] ??= { total: 0, hot: 0, warm: 0 };
    byTeam[a.teamId]!.total++;
    byTeam[a.teamId]![a.tier]++;
    byPlay[a.play] ??= { total: 0, hot: 0, warm: 0 };
    byPlay[a.play]!.total++;
    byPlay[a.play]![a.tier]++;
  }
  const endings: Record<AlertEnding, number> = {
    won: 0,
    lost: 0,
    no_response: 0,
    not_a_fit: 0,
    self_served: 0,
    bought_later: 0,
    open: 0,
    unknown: 0,
  };
  for (const a of alerts) endings[ending(a)]++;

  const conversions = conversionsOf(lane.purchases, input.liveAlerts, from, to, window);
  // Buyers are new business's to catch: an expansion alert on a paying account catches nobody.
  const cover = coverage(
    lane.alerts.filter((a) => a.play === NEW_BUSINESS),
    conversions,
    window,
  );
  const defs = featureDefs(manifest.scoring);
  const missed: MissedPql[] = cover.missed.map((c) => ({
    accountId: c.accountId,
    at: c.at,
    kind: c.kind,
    plan: c.purchase?.plan ?? null,
    peakScore: c.purchase?.peakScore ?? null,
    present: c.purchase ? defs.filter((_, j) => c.purchase!.features.present[j]).map((d) => d.id) : [],
  }));

  let diff: AlertDiff | null = null;
  let fidelity: Fidelity | null = null;
  if (input.baseline) {
    const baselineAlerts = replay.lanes[input.baseline.lane]!.alerts.filter(inWindow);
    if (input.baseline.lane !== input.candidate.lane) {
      const pairs = pairAlerts(alerts, baselineAlerts, input.matchWindow);
      diff = {
        against: input.baseline.label,
        same: pairs.paired.filter(([c, b]) => c.tier === b.tier).length,
        onlyCandidate: pairs.onlyA.map(brief),
        onlyBaseline: pairs.onlyB.map(brief),
        tierChanges: pairs.paired
          .filter(([c, b]) => c.tier !== b.tier)
          .map(([c, b]) => ({
            accountId: c.accountId,
            openedAt: c.openedAt,
            baseline: b.tier,
            candidate: c.tier,
          })),
      };
    }
    fidelity = fidelityOf(baselineAlerts, input.liveAlerts.filter(inWindow), input.matchWindow);
  }

  const warnings: string[] = [];
  if (replay.firstClock === null) warnings.push('The database holds no scored events: nothing to replay.');
  else if (from < replay.firstClock + WARM_UP) {
    warnings.push(
      `The window starts less than 30 days after the oldest stored event (${day(replay.firstClock)}): rolling metrics (active days, seats, features) start empty there, so early alerts may differ from what live scoring did. Older events are deleted after \`retention\`.`,
    );
  }
  if (fidelity && fidelity.live > 0 && fidelity.reproduced < fidelity.live) {
    warnings.push(
      `The live manifest's replay reproduces ${fidelity.reproduced} of ${fidelity.live} live alerts in the window: the rest were raised by an earlier manifest, on history since deleted, or by alerts the replay cannot see (an alert erased with \`npm run forget\`).`,
    );
  }

  return {
    manifest: input.candidate.label,
    window: { from, to, days: Math.round((to - from) / DAY) },
    history: {
      events: replay.events,
      scored: replay.scored,
      accounts: replay.accounts,
      firstEventAt: replay.firstClock,
      lastEventAt: replay.lastClock,
      durationMs: input.durationMs ?? null,
    },
    alerts: {
      total: alerts.length,
      hot: alerts.filter((a) => a.tier === 'hot').length,
      warm: alerts.filter((a) => a.tier === 'warm').length,
      upgraded: alerts.filter((a) => a.upgradedAt !== null).length,
      accounts: new Set(alerts.map((a) => a.accountId)).size,
      byTeam,
      byPlay,
    },
    weeks: weekly(alerts, manifest),
    endings,
    conversions: { total: cover.conversions, alerted: cover.alerted, missed },
    diff,
    fidelity,
    list: alerts.map(brief),
    warnings,
  };
}

function endingOf(
  alert: ReplayAlert,
  purchasesByAccount: ReadonlyMap<string, readonly Purchase[]>,
  window: number,
): AlertEnding {
  switch (alert.outcome) {
    case 'won':
    case 'lost':
    case 'no_response':
    case 'not_a_fit':
    case 'self_served':
      return alert.outcome;
  }
  if (alert.closedAt === null) return 'open';
  return boughtWithin(purchasesByAccount, alert.accountId, alert.openedAt, window)
    ? 'bought_later'
    : 'unknown';
}

function weekly(alerts: readonly ReplayAlert[], manifest: Manifest): WeekRow[] {
  const weeks = new Map<string, WeekRow>();
  for (const a of alerts) {
    const week = DateTime.fromMillis(a.openedAt, { zone: manifest.timezone }).startOf('week').toISODate()!;
    let row = weeks.get(week);
    if (!row) {
      row = { week, total: 0, hot: 0, warm: 0, byTeam: {} };
      weeks.set(week, row);
    }
    row.total++;
    row[a.tier]++;
    row.byTeam[a.teamId] = (row.byTeam[a.teamId] ?? 0) + 1;
  }
  return [...weeks.values()].sort((a, b) => (a.week < b.week ? -1 : 1));
}

interface Timed {
  accountId: string;
  openedAt: number;
}

/**
 * Pairs two sets of alerts of the same accounts: first those opened at the same moment, then
 * the nearest within `matchWindow`, each alert at most once.
 */
export function pairAlerts<A extends Timed, B extends Timed>(
  a: readonly A[],
  b: readonly B[],
  matchWindow: number,
): { paired: [A, B][]; onlyA: A[]; onlyB: B[] } {
  const byAccount = groupByAccount(b);
  const used = new Set<B>();
  const paired: [A, B][] = [];
  const unpaired: A[] = [];
  for (const x of a) {
    const same = (byAccount.get(x.accountId) ?? []).find((y) => !used.has(y) && y.openedAt === x.openedAt);
    if (same) {
      used.add(same);
      paired.push([x, same]);
    } else unpaired.push(x);
  }
  const onlyA: A[] = [];
  for (const x of unpaired) {
    let best: B | null = null;
    for (const y of byAccount.get(x.accountId) ?? []) {
      if (used.has(y) || Math.abs(y.openedAt - x.openedAt) > matchWindow) continue;
      if (!best || Math.abs(y.openedAt - x.openedAt) < Math.abs(best.openedAt - x.openedAt)) best = y;
    }
    if (best) {
      used.add(best);
      paired.push([x, best]);
    } else onlyA.push(x);
  }
  paired.sort((p, q) => p[0].openedAt - q[0].openedAt);
  return { paired, onlyA, onlyB: b.filter((y) => !used.has(y)) };
}

export function fidelityOf(
  replayed: readonly ReplayAlert[],
  live: readonly LiveAlert[],
  matchWindow: number,
): Fidelity {
  const pairs = pairAlerts(live, replayed, matchWindow);
  const reproduced = pairs.paired.filter(
    ([l, r]) => l.openedAt === r.openedAt && l.tier === r.tier && l.teamId === r.teamId,
  ).length;
  return {
    live: live.length,
    reproduced,
    differ: pairs.paired.length - reproduced,
    onlyLive: pairs.onlyA.length,
    onlyReplay: pairs.onlyB.length,
  };
}
