import type { AccountRow } from '../db/accounts-repo.js';
import type { AlertRow } from '../db/alerts-repo.js';
import { restoreAccountState } from '../domain/account-state.js';
import { type Dossier, dossierOf } from '../domain/dossier.js';
import { ErrorCode } from '../domain/errors.js';
import { alertBlockers } from '../domain/handoff.js';
import { judgesAccount, playNamed, readPlayState } from '../domain/play.js';
import { type Score, scoreAccount } from '../domain/scoring.js';
import { accountByRef } from './account-ref.js';
import type { AccountReadDeps } from './alert-card.js';
import { userError } from './user-error.js';

export interface AccountView {
  account: AccountRow;
  /** The play the breakdown is of; null beside no other play (new business alone). */
  play: { id: string; label: string } | null;
  /** Every play in one line each, when there are several: does it judge the account, its score, an open alert. */
  plays: { label: string; judged: boolean; total: number; tier: string; open: boolean }[];
  score: Score;
  /** Rules that would forbid an alert right now (empty: the next handoff moment would alert). */
  blockers: string[];
  /** Hot, and armed: its next fresh activity alerts it (src/domain/account-step.ts). */
  armed: boolean;
  openAlert: AlertRow | null;
  contacts: { name: string | null; title: string | null; email: string | null; events: number }[];
  dossier: Dossier;
  halfLifeMs: number;
  now: number;
}

/** `/pls account <id|domain>`: the dossier and the full score breakdown, computed at `now`. */
export function createAccountViews(deps: AccountReadDeps) {
  const { accounts, alerts, manifest, store } = deps;
  return {
    /**
     * One read of committed state: of the play named (any case) when given, else of the first
     * play that judges the account (new business first).
     */
    view(ref: string, now: number, playId: string | null = null): Promise<AccountView> {
      return store.read(() => viewNow(ref, now, playId));
    },
  };

  async function viewNow(ref: string, now: number, playId: string | null): Promise<AccountView> {
    const account = await accountByRef(accounts, ref);
    if (!account)
      throw userError(ErrorCode.AccountNotFound)`No account \`${ref}\`: give an account id or a domain.`;
    const state = restoreAccountState(account.state);
    const named = playId ? playNamed(manifest.plays, playId) : null;
    if (playId && !named) {
      const ids = manifest.plays.map((p) => `\`${p.id}\``).join(', ');
      throw userError(ErrorCode.UnknownPlay)`\`${playId}\` is not a play; plays: ${ids}.`;
    }
    const play = named ?? manifest.plays.find((p) => judgesAccount(p, account)) ?? manifest.plays[0]!;
    const own = readPlayState(state, play.id);
    const score = scoreAccount(state, account, play.scoring, now, own);
    const latest = await alerts.findLatest(account.id, play.id);
    const openAlert = latest?.state === 'closed' ? null : latest;
    const several = manifest.plays.length > 1;
    const opened = new Set(
      (await alerts.latestSummaries(account.id)).filter((a) => a.state !== 'closed').map((a) => a.play),
    );
    const plays = several
      ? manifest.plays.map((p) => {
          const theirs = scoreAccount(state, account, p.scoring, now, readPlayState(state, p.id));
          return {
            label: p.label,
            judged: judgesAccount(p, account),
            total: theirs.total,
            tier: theirs.tier,
            open: opened.has(p.id),
          };
        })
      : [];
    const outOfPlay = judgesAccount(play, account)
      ? []
      : [
          play.prospects_only
            ? `${play.label.toLowerCase()} leaves paying accounts (plan ${account.plan}) to the other plays`
            : `plan ${account.plan ?? 'unknown'} is not one ${play.label.toLowerCase()} applies to`,
        ];
    const summary = (a: AlertRow | null) =>
      a && { state: a.state, tier: a.tier, openedAt: a.openedAt, closedAt: a.closedAt, outcome: a.outcome };
    return {
      account,
      play: several ? { id: play.id, label: play.label } : null,
      plays,
      score,
      blockers: [
        ...outOfPlay,
        ...alertBlockers({
          after: score,
          firm: account,
          state,
          lastAlert: summary(latest),
          openAlert: summary(openAlert),
          rules: play.scoring.rules,
          now,
        }),
      ],
      armed: Boolean(own.armed) && score.tier === 'hot' && !openAlert,
      openAlert,
      contacts: await accounts.topContacts(account.id, 5),
      dossier: dossierOf(state, account, account.timezone ?? manifest.timezone, now),
      halfLifeMs: play.scoring.half_life,
      now,
    };
  }
}

export type AccountViews = ReturnType<typeof createAccountViews>;
