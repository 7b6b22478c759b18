import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AccountRow, AccountsRepo } from '../db/accounts-repo.js';
import type { AlertRow, AlertsRepo } from '../db/alerts-repo.js';
import type { CrmLink, CrmRepo } from '../db/crm-repo.js';
import type { Store } from '../db/store.js';
import type { WebhookDelivery } from '../db/webhook-deliveries-repo.js';
import { NOT_A_FIT_REASONS, OUTCOMES } from '../domain/alert-lifecycle.js';
import type { Manifest } from '../domain/definition.js';
import { NEW_BUSINESS, playOf } from '../domain/play.js';
import { CRM_LANE, type Crm, CrmError } from './crm.js';
import type { OwnerLookup } from './owner-lookup.js';
import type { WebhookEvent } from './webhook-events.js';
import type { DeliveryAnswer, DeliveryTarget } from './webhook-sender.js';

/** A refused token is tried again this often (every call fails until someone fixes it). */
export const UNAUTHORISED_WAIT_MS = 10 * 60_000;
/** How long write-back waits for an alert's Slack message, to link it. */
const WAIT_FOR_POST_MS = 60_000;
/** A rep's CRM owner id is kept this long in memory. */
const OWNER_TTL_MS = 10 * 60_000;
/** Score changes are written at most this often per company. */
const SCORE_EVERY_MS = 60_000;
/** How often the accounts scored since are looked at. */
const SCORE_LOOK_MS = 1_000;
/** Accounts waiting for a score write, at most: past it, an account waits for its next scored event. */
const MAX_DIRTY = 10_000;

export interface CrmSyncDeps {
  crm: Crm;
  repo: CrmRepo;
  alerts: AlertsRepo;
  accounts: AccountsRepo;
  store: Store;
  lookup: OwnerLookup;
  /** For `users.info` (a rep's email) and `chat.getPermalink` (the alert's link). */
  slack: WebClient;
  manifest: Manifest;
  logger: Logger;
  now: () => number;
  /** Resolves once the CRM has pls's fields (src/integrations/start-hubspot.ts); write-back waits for it. */
  prepare: () => Promise<void>;
  onUnauthorised: (error: CrmError) => void;
}

/**
 * Write-back (README, "HubSpot"): each alert event queued for the CRM lane (the outbound
 * webhooks' queue, retries and backoff, src/integrations/webhook-sender.ts) becomes, in order,
 * the company's pls properties — score, tier, last signal, alert state and the Slack link — and
 * the claimer's task: created at the claim, due at the first-touch deadline, moved on upgrade,
 * reassigned on an assignment, deleted on Release and completed at Mark contacted (or at close).
 * An outcome becomes a note. Each step reads the alert and the account as they are now, so a
 * retry writes the latest state, never an older one.
 */
export function createCrmSync(deps: CrmSyncDeps) {
  const { crm, repo, alerts, accounts, store, lookup, slack, manifest, logger } = deps;
  const ownerIds = new Map<string, { id: string | null; at: number }>();
  const links = new Map<string, string>();
  /** Score write-back: accounts scored since their company was last written, and when it was. */
  const dirty = new Set<string>();
  const scoreWrittenAt = new Map<string, number>();
  let scoreTimer: NodeJS.Timeout | null = null;
  let scoring: Promise<void> | null = null;
  let scoresPausedUntil = 0;

  async function deliver(row: WebhookDelivery, signal: AbortSignal): Promise<DeliveryAnswer> {
    if (!row.accountId) return { ok: true };
    try {
      await prepared();
      const event = JSON.parse(row.payload) as WebhookEvent;
      const account = await store.read(() => accounts.find(row.accountId!));
      if (!account) return { ok: true }; // forgotten meanwhile
      const alert = row.alertId ? await store.read(() => alerts.find(row.alertId!)) : null;
      // The alert's Slack message is on its way (the outbox posts it in a moment): the company
      // gets its link with the rest. Not for ever: a post Slack refuses leaves no link to wait for.
      const posting = alert && !alert.messageTs && alert.state !== 'closed';
      if (posting && deps.now() - row.createdAt < WAIT_FOR_POST_MS)
        return { ok: false, later: true, retryAfterMs: 1_000 };
      const found = await lookup.linkFor(account.id, account.domain);
      const link = found?.companyId ? await writeCompany(found, account, alert) : found;
      if (signal.aborted) throw new CrmError('unavailable', 'pls stopped during the write-back');
      if (alert) await syncTask(String(event.data.change.kind ?? ''), event, alert, account, link);
      return { ok: true };
    } catch (error) {
      return answerOf(error);
    }
  }

  /** The CRM's fields exist; a failure to make them is never this row's fault, so it is retried. */
  async function prepared(): Promise<void> {
    try {
      await deps.prepare();
    } catch (error) {
      // Refused (a 400 on a property pls creates): nothing works until someone acts, as with a token.
      if (error instanceof CrmError && error.kind === 'rejected')
        throw new CrmError('unauthorised', `creating pls's properties: ${error.message}`);
      throw error;
    }
  }

  /**
   * The company's pls properties; the link the rest of the row uses. A company deleted or merged
   * in the CRM meanwhile is looked up again next time, and this row's task and note go on
   * without it; a refused write is logged, and the task and note still follow.
   */
  async function writeCompany(link: CrmLink, account: AccountRow, alert: AlertRow | null): Promise<CrmLink> {
    try {
      await crm.updateCompany(link.companyId!, await factsOf(account, alert));
      scoreWrittenAt.set(account.id, deps.now());
      return link;
    } catch (error) {
      if (!(error instanceof CrmError) || !['missing', 'rejected'].includes(error.kind)) throw error;
      logger.warn({ accountId: account.id, error: error.message }, `${crm.name} company not written`);
      if (error.kind === 'rejected') return link;
      // Deleted or merged: asked again now, and the company found (a merge's survivor) written.
      const found = await lookup.refresh(account.id, link.domain);
      if (!found.companyId || found.companyId === link.companyId) return { ...found, companyId: null };
      await crm.updateCompany(found.companyId, await factsOf(account, alert));
      return found;
    }
  }

  function answerOf(error: unknown): DeliveryAnswer {
    if (!(error instanceof CrmError)) {
      logger.error({ err: error }, `${crm.name} write-back failed`);
      return { ok: false, error: (error as Error).message, gone: false, retryAfterMs: null };
    }
    if (error.kind === 'unauthorised') {
      deps.onUnauthorised(error);
      // Every call fails until someone fixes the token: the lane waits, and the row is kept however long that takes.
      return {
        ok: false,
        error: error.message,
        gone: false,
        retryAfterMs: UNAUTHORISED_WAIT_MS,
        throttled: true,
      };
    }
    return {
      ok: false,
      error: error.message,
      gone: error.kind === 'rejected',
      retryAfterMs: error.retryAfterMs,
      throttled: error.kind === 'throttled',
    };
  }

  async function factsOf(account: AccountRow, alert: AlertRow | null) {
    // The alert's own score and tier for another play's alert: the account row's are new business's.
    const ofPlay = alert !== null && alert.play !== NEW_BUSINESS;
    const facts = {
      score: ofPlay ? alert.score : account.score,
      tier: ofPlay ? alert.tier : account.tier,
      at: deps.now(),
    };
    if (!alert) return facts;
    const trigger = alert.trigger as { text?: string };
    return {
      ...facts,
      lastSignal: trigger.text ?? null,
      alertState: alert.state,
      alertPlay: playOf(manifest.plays, alert.play).label,
      alertLink: await permalinkOf(alert),
    };
  }

  async function syncTask(
    kind: string,
    event: WebhookEvent,
    alert: AlertRow,
    account: AccountRow,
    link: CrmLink | null,
  ): Promise<void> {
    const task = await store.read(() => repo.taskOf(alert.id));
    const priority = alert.tier === 'hot' ? 'HIGH' : 'MEDIUM';
    const dueAt = alert.firstTouchDueAt ?? deps.now();
    switch (kind) {
      case 'claimed':
      case 'assigned': {
        // Released (or closed) since: that event deals with the task.
        if (!alert.claimedBy || !['claimed', 'contacted'].includes(alert.state)) return;
        const ownerId = await ownerIdOfRep(alert.claimedBy);
        if (task) {
          if (task.ownerId !== ownerId) {
            await crm.updateTask(task.taskId, { ownerId, dueAt });
            await store.unit(() => repo.saveTask({ ...task, ownerId }), { durable: false });
          }
          return;
        }
        const taskId = await crm.createTask({
          subject: `Follow up: ${account.name ?? account.domain ?? account.id} is ready to buy (${alert.tier})`,
          body: taskBody(alert, await permalinkOf(alert), ownerId ? null : alert.claimedBy),
          dueAt,
          ownerId,
          priority,
          companyId: link?.companyId ?? null,
        });
        await store.unit(
          () =>
            repo.saveTask({
              alertId: alert.id,
              accountId: account.id,
              taskId,
              ownerId,
              createdAt: deps.now(),
            }),
          { durable: false },
        );
        return;
      }
      case 'upgraded':
        if (task) await crm.updateTask(task.taskId, { dueAt, priority });
        return;
      case 'released':
        if (!task) return;
        await crm.deleteTask(task.taskId);
        await store.unit(() => repo.dropTask(alert.id), { durable: false });
        return;
      case 'contacted':
        if (task) await crm.updateTask(task.taskId, { done: true });
        return;
      case 'closed': {
        // Left once: a retry after the task step failed finds it.
        if (!(await store.read(() => repo.noteOf(alert.id)))) {
          const noteId = await crm.addNote({
            companyId: link?.companyId ?? null,
            ownerId: task?.ownerId ?? null,
            body: outcomeNote(alert, event.data.change, repEmail(event.data.change.by)),
            at: deps.now(),
          });
          await store.unit(
            () => repo.saveNote({ alertId: alert.id, accountId: account.id, noteId, createdAt: deps.now() }),
            { durable: false },
          );
        }
        if (task) await crm.updateTask(task.taskId, { done: true });
        return;
      }
    }
  }

  /** How a note names a rep in the CRM: their manifest email. */
  function repEmail(userId: unknown): string | null {
    return manifest.routing.reps.find((r) => r.id === userId)?.email ?? null;
  }

  /** The rep's CRM owner id, by the manifest's email for them or Slack's. Null when the CRM has no such user. */
  async function ownerIdOfRep(repId: string): Promise<string | null> {
    const known = ownerIds.get(repId);
    if (known && deps.now() - known.at < OWNER_TTL_MS) return known.id;
    const email = repEmail(repId) ?? (await slackEmail(repId));
    const id = email ? await crm.ownerIdByEmail(email) : null;
    ownerIds.set(repId, { id, at: deps.now() });
    return id;
  }

  async function slackEmail(userId: string): Promise<string | null> {
    try {
      const answer = await slack.users.info({ user: userId });
      return answer.user?.profile?.email ?? null;
    } catch (error) {
      const said = (error as { data?: { error?: string } }).data?.error;
      // Refused for good (`missing_scope`, `user_not_found`): the task goes unassigned and says whose it is.
      if (said && said !== 'ratelimited' && said !== 'internal_error' && said !== 'fatal_error') {
        logger.warn(
          { error: said, userId },
          "Slack users.info refused: the claimer's task is left unassigned",
        );
        return null;
      }
      throw new CrmError('unavailable', `Slack users.info: ${(error as Error).message}`);
    }
  }

  async function permalinkOf(alert: AlertRow): Promise<string | null> {
    if (!alert.messageTs) return null;
    const key = `${alert.channel}/${alert.messageTs}`;
    const known = links.get(key);
    if (known) return known;
    try {
      const answer = await slack.chat.getPermalink({ channel: alert.channel, message_ts: alert.messageTs });
      if (!answer.permalink) return null;
      if (links.size > 10_000) links.clear();
      links.set(key, answer.permalink);
      return answer.permalink;
    } catch (error) {
      logger.warn(
        { err: error, alertId: alert.id },
        'chat.getPermalink failed: the CRM gets no link this time',
      );
      return null;
    }
  }

  /** Writes the scores of accounts scored since, each company at most once a minute. */
  async function writeScores(): Promise<void> {
    if (deps.now() < scoresPausedUntil) return;
    try {
      await prepared();
    } catch (error) {
      pauseScores(error);
      return;
    }
    const now = deps.now();
    for (const accountId of [...dirty]) {
      if (now - (scoreWrittenAt.get(accountId) ?? 0) < SCORE_EVERY_MS) continue;
      dirty.delete(accountId);
      const account = await store.read(() => accounts.find(accountId));
      const link = account && (await store.read(() => repo.linkOf(accountId)));
      // Not looked up yet: asked for, and written once found (the lookup calls `scored` again).
      if (account?.domain && !link) lookup.want([accountId]);
      if (!account || !link?.companyId) continue;
      try {
        await crm.updateCompany(link.companyId, { score: account.score, tier: account.tier, at: now });
        scoreWrittenAt.set(accountId, now);
      } catch (error) {
        if (error instanceof CrmError && (error.kind === 'throttled' || error.kind === 'unauthorised')) {
          dirty.add(accountId);
          pauseScores(error);
          return;
        }
        logger.warn({ err: error, accountId }, `${crm.name} score write failed: written at the next change`);
      }
    }
    for (const [id, at] of scoreWrittenAt)
      if (now - at >= SCORE_EVERY_MS && !dirty.has(id)) scoreWrittenAt.delete(id);
  }

  /** The CRM's wait, a token's fixing, or an outage holds every company's score back. */
  function pauseScores(error: unknown): void {
    const wait =
      error instanceof CrmError && error.kind === 'throttled'
        ? (error.retryAfterMs ?? 10_000)
        : error instanceof CrmError && error.kind === 'unauthorised'
          ? UNAUTHORISED_WAIT_MS
          : SCORE_EVERY_MS;
    scoresPausedUntil = deps.now() + wait;
    if (error instanceof CrmError && error.kind === 'unauthorised') deps.onUnauthorised(error);
    else if (!(error instanceof CrmError && error.kind === 'throttled'))
      logger.warn({ err: error }, `${crm.name} score writes paused`);
  }

  /** Looks at the scored accounts every second; each company is written when its minute is up. */
  function flushSoon(): void {
    if (scoreTimer || scoring || dirty.size === 0) return;
    scoreTimer = setTimeout(() => {
      scoreTimer = null;
      scoring = writeScores()
        .catch((error: unknown) => logger.error({ err: error }, 'score write-back failed'))
        .finally(() => {
          scoring = null;
          flushSoon();
        });
    }, SCORE_LOOK_MS);
    scoreTimer.unref();
  }

  // A row's steps may take several calls, each up to the client's 10 s: its lease is long enough for all.
  const target: DeliveryTarget = { key: CRM_LANE, name: crm.name, deliver, leaseMs: 5 * 60_000 };
  return {
    target,
    /** Accounts a scoring turn scored: their companies get the new score within a minute. */
    scored(accountIds: readonly string[]): void {
      for (const id of accountIds) if (dirty.size < MAX_DIRTY) dirty.add(id);
      flushSoon();
    },
    async stop(): Promise<void> {
      if (scoreTimer) clearTimeout(scoreTimer);
      scoreTimer = null;
      dirty.clear();
      await scoring;
    },
  };
}

/** HubSpot's task and note bodies are HTML: anything a rep or an event wrote shows as text. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function taskBody(alert: AlertRow, link: string | null, slackUser: string | null): string {
  const why = (alert.trigger as { text?: string }).text;
  return [
    `<p>pls: this account is a ${html(alert.tier)} product-qualified lead.</p>`,
    why ? `<p>Why now: ${html(why)}</p>` : '',
    slackUser ? `<p>Claimed in Slack by user ${html(slackUser)} (no HubSpot user has their email).</p>` : '',
    link ? `<p><a href="${html(link)}">The alert in Slack</a></p>` : '',
  ].join('');
}

function outcomeNote(alert: AlertRow, change: Record<string, unknown>, closer: string | null): string {
  const detail = (alert.outcomeDetail ?? {}) as Record<string, unknown>;
  const outcome = alert.outcome ? (OUTCOME_WORDS[alert.outcome] ?? alert.outcome) : 'closed';
  const line = (label: string, value: unknown) =>
    value === null || value === undefined || value === '' ? '' : `<p>${label}: ${html(String(value))}</p>`;
  const reason = detail.reason as keyof typeof NOT_A_FIT_REASONS | undefined;
  const amount = typeof detail.amount === 'number' ? detail.amount.toLocaleString('en-US') : null;
  return [
    `<p><strong>PQL alert closed: ${html(outcome)}</strong> (${html(alert.tier)}, score ${Math.round(alert.score)})</p>`,
    line('Why now', (alert.trigger as { text?: string }).text),
    line('Amount', amount),
    line('Why not a fit', reason ? (NOT_A_FIT_REASONS[reason] ?? reason) : null),
    line('Objections', detail.objections),
    line('What would have let them self-serve', detail.selfServeBlocker),
    line('Note', detail.note),
    line(
      'Closed by',
      closer ?? (change.by ? `Slack user ${String(change.by)}` : 'pls (the account bought on its own)'),
    ),
  ].join('');
}

/** Outcomes in words, the self-served close included (it has no button). */
const OUTCOME_WORDS: Readonly<Record<string, string>> = { ...OUTCOMES, self_served: 'Self-served' };
