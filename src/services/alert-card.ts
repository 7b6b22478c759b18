import type { AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { Store } from '../db/store.js';
import { restoreAccountState } from '../domain/account-state.js';
import type { Layer, Manifest } from '../domain/definition.js';
import type { Dossier } from '../domain/dossier.js';
import { dossierOf } from '../domain/dossier.js';
import type { AlertTrigger } from '../domain/handoff.js';
import type { Opener, OpenerContact } from '../domain/opener.js';
import { writeOpener } from '../domain/opener.js';
import { playOf, readPlayState } from '../domain/play.js';
import type { RouteNote } from '../domain/routing.js';
import type { Contribution } from '../domain/scoring.js';
import { scoreAccount, UNKNOWN_FIRMOGRAPHICS } from '../domain/scoring.js';
import type { PolicySnapshot, SlaLapse } from '../domain/sla.js';

/** Everything an alert message shows, gathered from the database by `createAlertCards`. */
export interface AlertCard {
  alertId: string;
  /** The play's label ("Expansion"), named in the header beside other plays; null with new business alone. */
  play: string | null;
  state: 'open' | 'claimed' | 'contacted' | 'closed';
  tier: 'hot' | 'warm';
  outcome: string | null;
  account: {
    id: string;
    name: string | null;
    domain: string | null;
    plan: string | null;
    employees: number | null;
    industry: string | null;
  };
  /** The score now (capped at 100) and its layers, all from one computation: they add up. */
  score: number;
  layers: Record<Layer, number>;
  /** The layers' sum before the cap. */
  uncapped: number;
  /** The score just before the alert opened. */
  baseScore: number;
  trigger: AlertTrigger;
  contributions: Contribution[];
  contacts: OpenerContact[];
  /** The suggested first message (src/domain/opener.ts). */
  opener: Opener;
  dossier: Dossier;
  suggestedRep: string | null;
  claimedBy: string | null;
  claimedAt: number | null;
  contactedAt: number | null;
  closedAt: number | null;
  tierSetAt: number;
  claimDueAt: number;
  firstTouchDueAt: number | null;
  /** Snoozed until then (clocks paused); null when not snoozed. */
  snoozedUntil: number | null;
  /** The manager who handed it to its holder; null when the holder claimed it. */
  assignedBy: string | null;
  /** How routing chose the suggested rep; null on alerts older than the note. */
  route: RouteNote | null;
  /** SLA clocks that ran out earlier, and who held each (null: nobody, the team's). */
  lapses: readonly SlaLapse[];
  /** The routed team's zone: SLA clocks are shown in it. */
  zone: string;
  now: number;
}

/** What a read of an account and its alerts needs: the card here, `/pls account` too. */
export interface AccountReadDeps {
  accounts: AccountsRepo;
  alerts: AlertsRepo;
  manifest: Manifest;
  store: Store;
}

/** Gathers what an alert message shows from the database; the renderer stays a pure function of it. */
export function createAlertCards(deps: AccountReadDeps) {
  const { accounts, alerts, manifest, store } = deps;

  return {
    /** One read of committed state. */
    cardFor(alert: AlertRow, now: number): Promise<AlertCard> {
      return store.read(() => cardNow(alert, now));
    },
  };

  async function cardNow(alert: AlertRow, now: number): Promise<AlertCard> {
    const account = await accounts.find(alert.accountId);
    const state = restoreAccountState(account?.state);
    const firm = account ?? UNKNOWN_FIRMOGRAPHICS;
    const play = playOf(manifest.plays, alert.play);
    const score = scoreAccount(state, firm, play.scoring, now, readPlayState(state, play.id));
    const trigger = alert.trigger as AlertTrigger;
    const teamZone = (alert.policy as PolicySnapshot).hours.tz;

    const contacts: AlertCard['contacts'] = [];
    const triggerContact = trigger.userId ? await accounts.contact(alert.accountId, trigger.userId) : null;
    if (triggerContact) contacts.push({ ...triggerContact, trigger: true });
    for (const contact of await accounts.topContacts(alert.accountId, 4)) {
      if (contacts.length < 4 && contact.userId !== triggerContact?.userId)
        contacts.push({ ...contact, trigger: false });
    }

    return {
      alertId: alert.id,
      play: manifest.plays.length > 1 ? play.label : null,
      state: alert.state,
      tier: alert.tier,
      outcome: alert.outcome,
      account: {
        id: alert.accountId,
        name: account?.name ?? null,
        domain: account?.domain ?? null,
        plan: account?.plan ?? null,
        employees: account?.employees ?? null,
        industry: account?.industry ?? null,
      },
      score: score.total,
      layers: score.layers,
      uncapped: score.layers.behavioral + score.layers.organizational + score.layers.intent,
      baseScore: alert.baseScore,
      trigger,
      contributions: score.contributions,
      contacts,
      opener: writeOpener({
        trigger,
        signal: play.scoring.signals.find((signal) => signal.id === trigger.signalId) ?? null,
        playOpener: play.opener,
        labels: manifest.labels,
        account: account?.name ?? null,
        contacts,
      }),
      dossier: dossierOf(state, firm, account?.timezone ?? teamZone ?? manifest.timezone, now),
      suggestedRep: alert.suggestedRep,
      claimedBy: alert.claimedBy,
      claimedAt: alert.claimedAt,
      contactedAt: alert.contactedAt,
      closedAt: alert.closedAt,
      tierSetAt: alert.tierSetAt,
      claimDueAt: alert.claimDueAt,
      firstTouchDueAt: alert.firstTouchDueAt,
      snoozedUntil: alert.snoozedUntil,
      assignedBy: alert.assignedBy,
      route: alert.route ?? null,
      lapses: await alerts.lapsesOf(alert.id),
      zone: teamZone,
      now,
    };
  }
}

export type AlertCards = ReturnType<typeof createAlertCards>;
