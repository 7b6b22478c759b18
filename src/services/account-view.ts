import type { Manifest } from '../config/manifest.js';
import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { Store } from '../db/store.js';
import { restoreAccountState } from '../domain/account-state.js';
import { type Dossier, dossierOf } from '../domain/dossier.js';
import { alertBlockers } from '../domain/handoff.js';
import { type Score, scoreAccount } from '../domain/scoring.js';
import { accountByRef } from './account-ref.js';
import { userError } from './user-error.js';

export interface AccountView {
  account: AccountRow;
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
export function createAccountViews(deps: {
  accounts: AccountsRepo;
  alerts: AlertsRepo;
  manifest: Manifest;
  store: Store;
}) {
  const { accounts, alerts, manifest, store } = deps;
  return {
    /** One read of committed state. */
    view(ref: string, now: number): Promise<AccountView> {
      return store.read(() => viewNow(ref, now));
    },
  };

  async function viewNow(ref: string, now: number): Promise<AccountView> {
    const account = await accountByRef(accounts, ref);
    if (!account) throw userError`No account \`${ref}\`: give an account id or a domain.`;
    const state = restoreAccountState(account.state);
    const score = scoreAccount(state, account, manifest.scoring, now);
    const latest = await alerts.findLatest(account.id);
    const openAlert = latest?.state === 'closed' ? null : latest;
    const summary = (a: AlertRow | null) =>
      a && { state: a.state, tier: a.tier, openedAt: a.openedAt, closedAt: a.closedAt, outcome: a.outcome };
    return {
      account,
      score,
      blockers: alertBlockers({
        after: score,
        firm: account,
        state,
        lastAlert: summary(latest),
        openAlert: summary(openAlert),
        rules: manifest.scoring.rules,
        now,
      }),
      armed: Boolean(state.armed) && score.tier === 'hot' && !openAlert,
      openAlert,
      contacts: await accounts.topContacts(account.id, 5),
      dossier: dossierOf(state, account, account.timezone ?? manifest.timezone, now),
      halfLifeMs: manifest.scoring.half_life,
      now,
    };
  }
}

export type AccountViews = ReturnType<typeof createAccountViews>;
