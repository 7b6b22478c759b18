import { ErrorCode, type WebAPICallResult, type WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { Db } from '../db/client.js';
import type { OutboxRepo, OutboxRow } from '../db/outbox-repo.js';
import type { AlertCards } from '../services/alert-card.js';
import type { HomeViews } from '../services/home.js';
import { renderAlert } from './render-alert.js';
import { renderHome } from './render-home.js';

/**
 * Slack errors that no retry can fix: the row is marked failed and reported, never retried
 * forever (SPEC §6). https://api.slack.com/methods/chat.postMessage#errors
 */
const PERMANENT = new Set([
  'not_in_channel',
  'channel_not_found',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'message_not_found',
  'cant_update_message',
  'restricted_action',
]);

type PublishedView = Parameters<WebClient['views']['publish']>[0]['view'];

export interface SenderDeps {
  db: Db;
  client: WebClient;
  outbox: OutboxRepo;
  alerts: AlertsRepo;
  cards: AlertCards;
  homes: HomeViews;
  logger: Logger;
  now: () => number;
  /** Told when a call fails for good (the notice is a DM; a failed notice is not re-reported). */
  managers: readonly string[];
  /** Every Slack error, for metrics. */
  onError?: (method: string, error: string, permanent: boolean) => void;
  /** First retry delay; doubles per attempt up to a minute. */
  retryBaseMs?: number;
}

/**
 * Drains the outbox in order per alert: the post before its updates and thread replies, and a
 * row that failed holds back the later rows of the same alert. One drain runs at a time; a kick
 * during a drain runs another right after. The at-least-once window is the instant between
 * Slack's answer and the `markSent` commit: a crash there re-sends that one call.
 */
export function createOutboxSender(deps: SenderDeps) {
  const { outbox, alerts, cards, client, logger } = deps;
  const retryBase = deps.retryBaseMs ?? 1000;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  /** A 429 pauses every outbox call until Retry-After has passed (Slack limits per method and app). */
  let pausedUntil = 0;

  async function drain(): Promise<void> {
    for (;;) {
      const now = deps.now();
      if (now < pausedUntil) {
        schedule(pausedUntil - now);
        return;
      }
      const rows = outbox.pending(200);
      const held = new Set<string>();
      let sent = 0;
      let nextDue = Number.POSITIVE_INFINITY;
      for (const row of rows) {
        if (stopped) return;
        const key = row.alertId ?? `row:${row.seq}`;
        if (held.has(key)) continue;
        if (row.nextAttemptAt > now) {
          held.add(key);
          nextDue = Math.min(nextDue, row.nextAttemptAt);
          continue;
        }
        const ok = await send(row);
        if (ok) sent++;
        else {
          held.add(key);
          nextDue = Math.min(nextDue, deps.now() + retryBase);
          if (deps.now() < pausedUntil) break;
        }
      }
      if (sent === 0 || rows.length === 0) {
        if (Number.isFinite(nextDue)) schedule(nextDue - deps.now());
        return;
      }
    }
  }

  /** Sends one row; true when it is settled (sent, or failed for good). */
  async function send(row: OutboxRow): Promise<boolean> {
    try {
      const record = await perform(row);
      settle(row.seq, record);
      return true;
    } catch (error) {
      const reason = describe(error);
      deps.onError?.(methodOf(row), reason.text, reason.permanent);
      if (reason.permanent) {
        logger.error(
          { seq: row.seq, kind: row.kind, alertId: row.alertId, error: reason.text },
          'slack call failed for good',
        );
        reportFailure(row, reason.text);
        return true;
      }
      if (reason.retryAfterMs !== undefined) pausedUntil = deps.now() + reason.retryAfterMs;
      const delay =
        reason.retryAfterMs ?? Math.min(60_000, retryBase * 2 ** row.attempts) * (0.5 + Math.random() / 2);
      logger.warn(
        { seq: row.seq, kind: row.kind, error: reason.text, retryInMs: Math.round(delay) },
        'slack call failed, will retry',
      );
      outbox.retryLater(row.seq, reason.text, deps.now() + delay);
      return false;
    }
  }

  /** Marks the row failed and, unless it was itself a failure notice, tells the managers why. */
  const reportFailure = deps.db.$client.transaction((row: OutboxRow, error: string) => {
    const now = deps.now();
    outbox.markFailed(row.seq, error, now);
    if ((row.payload as { notice?: boolean }).notice) return;
    const alert = row.alertId ? alerts.find(row.alertId) : null;
    const target = (row.payload as { channel?: string }).channel ?? alert?.channel ?? 'Slack';
    const hint = HINTS[error] ?? 'check the app and the manifest';
    const text = `⚠️ pls could not ${DESCRIBE[row.kind] ?? 'send a message'} in ${target.startsWith('U') ? `<@${target}>` : `<#${target}>`}: \`${error}\`. ${hint}.`;
    for (const manager of deps.managers)
      outbox.enqueue({ kind: 'message', alertId: null, channel: manager, text, notice: true }, now);
  });

  /** The row is marked sent in the same transaction as what the call's answer must record. */
  const settle = deps.db.$client.transaction((seq: number, record: (() => void) | undefined) => {
    record?.();
    outbox.markSent(seq, deps.now());
  });

  async function perform(row: OutboxRow): Promise<(() => void) | undefined> {
    const payload = row.payload as { text?: string; channel?: string; userId?: string };
    if (row.kind === 'home') {
      if (outbox.supersededHome(payload.userId!, row.seq)) return;
      const view = renderHome(deps.homes.home(payload.userId!, deps.now()));
      await client.views.publish({ user_id: payload.userId!, view: view as unknown as PublishedView });
      return;
    }
    if (row.kind === 'message') {
      await client.chat.postMessage({ channel: payload.channel!, text: payload.text! });
      return;
    }
    const alert = row.alertId ? alerts.find(row.alertId) : null;
    if (!alert) throw permanentError('alert_not_found');
    if (row.kind === 'alert.post') {
      if (alert.messageTs) return; // already posted: a retried row must never post twice
      const message = renderAlert(cards.cardFor(alert, deps.now()));
      const result = await client.chat.postMessage({
        channel: alert.channel,
        ...message,
        unfurl_links: false,
      });
      // Recorded before markSent, in the same synchronous turn: later rows of this alert need the ts.
      alerts.update(
        alert.id,
        { messageTs: String(result.ts), channel: String(result.channel ?? alert.channel) },
        deps.now(),
      );
      return;
    }
    if (!alert.messageTs) throw permanentError('alert_never_posted');
    if (row.kind === 'alert.update') {
      if (outbox.supersededUpdate(alert.id, row.seq)) return;
      const message = renderAlert(cards.cardFor(alert, deps.now()));
      await client.chat.update({ channel: alert.channel, ts: alert.messageTs, ...message });
    } else if (row.kind === 'alert.reply') {
      await client.chat.postMessage({
        channel: alert.channel,
        thread_ts: alert.messageTs,
        text: payload.text!,
      });
    } else {
      throw permanentError(`unknown_outbox_kind:${row.kind}`);
    }
  }

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(
      () => {
        timer = null;
        kick();
      },
      Math.max(10, delay),
    );
    timer.unref();
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => logger.error({ err: error }, 'outbox drain failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    /** Waits for the current drain; no new one starts afterwards. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type OutboxSender = ReturnType<typeof createOutboxSender>;

const DESCRIBE: Record<string, string> = {
  'alert.post': 'post an alert',
  'alert.update': 'update an alert',
  'alert.reply': 'reply in an alert thread',
  message: 'send a message',
  home: 'publish an App Home',
};

const HINTS: Record<string, string> = {
  not_in_channel: 'Invite the bot to that channel (`/invite @pls`)',
  channel_not_found: 'Fix the channel id in the PQL manifest, or invite the bot to the private channel',
  invalid_auth: 'The bot token is invalid: reinstall the app and update SLACK_BOT_TOKEN',
  token_revoked: 'The bot token was revoked: reinstall the app and update SLACK_BOT_TOKEN',
  is_archived: 'The channel is archived: point the manifest at a live one',
  missing_scope: 'Reinstall the app from slack-manifest.yml so it has the scopes it needs',
};

function methodOf(row: OutboxRow): string {
  if (row.kind === 'alert.update') return 'chat.update';
  if (row.kind === 'home') return 'views.publish';
  return 'chat.postMessage';
}

function permanentError(error: string): Error & { permanent: true } {
  return Object.assign(new Error(error), { permanent: true as const });
}

function describe(error: unknown): { text: string; permanent: boolean; retryAfterMs?: number } {
  const e = error as {
    code?: string;
    data?: WebAPICallResult;
    retryAfter?: number;
    statusCode?: number;
    permanent?: boolean;
    message?: string;
  };
  if (e.permanent) return { text: e.message ?? 'permanent', permanent: true };
  if (e.code === ErrorCode.PlatformError) {
    const slackError = String((e.data as { error?: string } | undefined)?.error ?? 'unknown_error');
    return { text: slackError, permanent: PERMANENT.has(slackError) };
  }
  if (e.code === ErrorCode.RateLimitedError) {
    return { text: 'ratelimited', permanent: false, retryAfterMs: (e.retryAfter ?? 1) * 1000 };
  }
  if (e.code === ErrorCode.HTTPError) return { text: `http_${e.statusCode}`, permanent: false };
  return { text: e.message ?? String(error), permanent: false };
}
