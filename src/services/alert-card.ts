import type { AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { Store } from '../db/store.js';
import { restoreAccountState } from '../domain/account-state.js';
import type { Manifest } from '../domain/definition.js';
import { dossierOf } from '../domain/dossier.js';
import type { AlertTrigger } from '../domain/handoff.js';
import { writeOpener } from '../domain/opener.js';
import { playOf, readPlayState } from '../domain/play.js';
import { scoreAccount, UNKNOWN_FIRMOGRAPHICS } from '../domain/scoring.js';
import type { PolicySnapshot } from '../domain/sla.js';
import type { AlertCard } from '../slack/render-alert.js';

/** Gathers what an alert message shows from the database; the renderer stays a pure function of it. */
export function createAlertCards(deps: {
  accounts: AccountsRepo;
  alerts: AlertsRepo;
  manifest: Manifest;
  store: Store;
}) {
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
