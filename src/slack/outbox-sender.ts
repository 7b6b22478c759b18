import { ErrorCode, type WebAPICallResult, type WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { OutboxRepo, OutboxRow } from '../db/outbox-repo.js';
import { ChangedMeanwhile, type Store } from '../db/store.js';
import type { Notice, NoticeTarget } from '../domain/notice.js';
import { accountLabel } from '../domain/usage-event.js';
import type { AlertCards } from '../services/alert-card.js';
import type { HomeViews } from '../services/home.js';
import { publishHome } from './publish-home.js';
import { renderAlert } from './render-alert.js';
import { isStale, renderNotice } from './render-notice.js';

/**
 * Slack's platform errors are answers about the request, so retrying the same request cannot
 * change them — except these, which say Slack itself had trouble. A permanent error is
 * reported and never retried; HTTP 5xx and network failures are an outage and are
 * retried with backoff for as long as it lasts. https://docs.slack.dev/reference/methods/chat.postMessage#errors
 */
const TRANSIENT = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

type PostArgs = Parameters<WebClient['chat']['postMessage']>[0];

export interface SenderDeps {
  /**
   * Its writes are units of work (src/db/store.ts). `store.durable()` is awaited before every
   * call: scoring and the sweep commit without waiting for the disk, and Slack must
   * never show a state (an upgrade, a close) that a power loss could take back.
   */
  store: Store;
  client: WebClient;
  outbox: OutboxRepo;
  alerts: AlertsRepo;
  cards: AlertCards;
  homes: HomeViews;
  logger: Logger;
  now: () => number;
  /** Told when a call fails for good (the notice is a DM; a failed notice is not re-reported). */
  managers: readonly string[];
  /** Where notices for the managers go (`routing.escalation_channel`). */
  escalationChannel: string;
  /** Every Slack error, for metrics. */
  onError?: (method: string, error: string, permanent: boolean) => void;
  /** First retry delay; doubles per attempt up to a minute. */
  retryBaseMs?: number;
}

/**
 * Drains the outbox in order per alert: the post before its updates and thread replies, and a
 * row that failed holds back the later rows of the same alert. One drain runs at a time; a kick
 * during a drain runs another right after. A post whose outcome is unknown (a crash between
 * Slack's answer and `markSent`) is looked up before it is sent again: see `post`.
 */
export function createOutboxSender(deps: SenderDeps) {
  const { outbox, alerts, cards, client, logger, store } = deps;
  const retryBase = deps.retryBaseMs ?? 1000;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  /** A 429 pauses every outbox call until Retry-After has passed (Slack limits per method and app). */
  let pausedUntil = 0;

  async function drain(): Promise<void> {
    // Kicks come for rows queued and for other reasons (a poll, a wake-up from another instance):
    // a few looks again before Homes, not one per kick, or a busy instance would defer Homes for good.
    let rereads = 0;
    for (;;) {
      const now = deps.now();
      // A 429 another instance was told of pauses this one too.
      pausedUntil = Math.max(pausedUntil, await store.read(() => outbox.pausedUntil()));
      if (now < pausedUntil) {
        schedule(pausedUntil - now);
        return;
      }
      const rows = inSendingOrder(await store.read(() => outbox.pending(200)));
      const held = new Set<string>();
      let sent = 0;
      let nextDue = Number.POSITIVE_INFINITY;
      let fresh = false;
      for (const row of rows) {
        if (stopped) return;
        // Rows queued since this page was read may hold an alert: read again before the next App Home.
        if (row.kind === 'home' && again && rereads < REREADS) {
          again = false;
          rereads++;
          fresh = true;
          break;
        }
        const key = row.alertId ?? `row:${row.seq}`;
        if (held.has(key)) continue;
        if (row.nextAttemptAt > now) {
          held.add(key);
          nextDue = Math.min(nextDue, row.nextAttemptAt);
          continue;
        }
        const ok = await sendLeased(key, row);
        if (ok) sent++;
        else {
          held.add(key);
          nextDue = Math.min(nextDue, deps.now() + retryBase);
          if (deps.now() < pausedUntil) break;
        }
      }
      if (fresh) continue;
      if (sent === 0 || rows.length === 0) {
        if (Number.isFinite(nextDue)) schedule(nextDue - deps.now());
        return;
      }
    }
  }

  /**
   * Sends a row under a lease on its alert (src/db/store.ts `lease`): another instance that
   * holds the alert is sending one of its rows, so this one leaves the alert for later. Under
   * the lease the row is read again: the page it came from may be older than another
   * instance's send. True when the row is settled.
   */
  async function sendLeased(key: string, row: OutboxRow): Promise<boolean> {
    const release = await store.lease(`outbox:${key}`);
    if (!release) {
      logger.debug({ key, seq: row.seq }, LEFT_TO_ANOTHER);
      return false;
    }
    try {
      const current = await store.read(() => outbox.unsettled(row.seq));
      if (!current) return true;
      // Put off meanwhile by another instance (a failed call's backoff), or a 429 it was told of.
      const now = deps.now();
      pausedUntil = Math.max(pausedUntil, await store.read(() => outbox.pausedUntil()));
      if (current.nextAttemptAt > now || now < pausedUntil) return false;
      return await send(current);
    } finally {
      await release();
    }
  }

  /** Sends one row; true when it is settled (sent, or failed for good). */
  async function send(row: OutboxRow): Promise<boolean> {
    try {
      const record = await perform(row);
      // Not waiting for the disk: if a power loss takes this record, the attempt's outcome is
      // looked up again.
      await store.unit(() => settle(row.seq, record), { durable: false });
      return true;
    } catch (error) {
      // Another sender attempted the row since this one read it: it is theirs to settle.
      if (error instanceof ChangedMeanwhile) return false;
      const reason = describe(error);
      deps.onError?.(methodOf(row), reason.text, reason.permanent);
      if (reason.permanent) {
        logger.error(
          { seq: row.seq, kind: row.kind, alertId: row.alertId, error: reason.text },
          'slack call failed for good',
        );
        await store.unit(() => reportFailure(row, reason.text), { durable: false });
        return true;
      }
      if (reason.retryAfterMs !== undefined) {
        pausedUntil = deps.now() + reason.retryAfterMs;
        // Slack limits the app, not this instance: every instance waits.
        const until = pausedUntil;
        await store.unit(() => outbox.pauseUntil(until), { durable: false });
      }
      const delay =
        reason.retryAfterMs ?? Math.min(60_000, retryBase * 2 ** row.attempts) * (0.5 + Math.random() / 2);
      logger.warn(
        { seq: row.seq, kind: row.kind, error: reason.text, retryInMs: Math.round(delay) },
        'slack call failed, will retry',
      );
      const at = Math.ceil(deps.now() + delay); // a whole millisecond: times are integers on every engine
      await store.unit(() => outbox.retryLater(row.seq, reason.text, at, reason.answered), {
        durable: false,
      });
      return false;
    }
  }

  /** Marks the row failed and, unless it was itself a failure notice, tells the managers why. */
  const reportFailure = async (row: OutboxRow, error: string): Promise<void> => {
    const now = deps.now();
    // Settled by another sender meanwhile: its answer stands.
    if (!(await outbox.markFailed(row.seq, error, now))) return;
    const payload = row.payload as { notice?: unknown; channel?: string; to?: NoticeTarget };
    if (row.kind === 'message' && payload.notice === true) return;
    // An alert whose post failed for good takes its queued updates and replies with it, and the
    // managers hear about it once, not once per row.
    if (row.kind === 'alert.post' && row.alertId)
      await outbox.failPendingOf(row.alertId, 'alert_never_posted', now);
    if (error === 'alert_never_posted' || error === 'alert_not_found') return;
    const alert = row.alertId ? await alerts.find(row.alertId) : null;
    const to = payload.to;
    const target =
      payload.channel ??
      (to === 'escalation' ? deps.escalationChannel : typeof to === 'object' ? to.user : alert?.channel) ??
      'Slack';
    const hint = HINTS[error] ?? 'check the app and the manifest';
    const text = `⚠️ pls could not ${DESCRIBE[row.kind] ?? 'send a message'} in ${target.startsWith('U') ? `<@${target}>` : `<#${target}>`}: \`${error}\`. ${hint}.`;
    await outbox.noticeManagers(deps.managers, text, now);
  };

  /**
   * The row is marked sent in the same unit as what the call's answer must record; when another
   * sender settled it first, its record stands and this one is dropped.
   */
  const settle = async (seq: number, record: Recording | undefined): Promise<void> => {
    if (!(await outbox.markSent(seq, deps.now()))) return;
    await record?.();
  };

  /** What a call's answer must record, in the unit that marks its row sent. */
  type Recording = () => Promise<void>;

  async function perform(row: OutboxRow): Promise<Recording | undefined> {
    const payload = row.payload as { text?: string; channel?: string; userId?: string };
    if (row.kind === 'home') {
      if (await store.read(() => outbox.supersededHome(payload.userId!, row.seq))) return;
      await onDisk();
      await publishHome(client, deps.homes, payload.userId!, deps.now());
      return;
    }
    if (row.kind === 'message') {
      await post(row, { channel: payload.channel!, text: payload.text! });
      return;
    }
    const alertId = row.alertId;
    const alert = alertId ? await store.read(() => alerts.find(alertId)) : null;
    if (!alert) throw permanentError('alert_not_found');
    if (row.kind === 'alert.post') {
      if (alert.messageTs) return; // already posted: a retried row must never post twice
      const message = renderAlert(await cards.cardFor(alert, deps.now()));
      const posted = await post(row, { channel: alert.channel, ...message, unfurl_links: false });
      // Later rows of this alert (updates, replies) need the message's ts: recorded with markSent.
      return () => alerts.update(alert.id, { messageTs: posted.ts, channel: posted.channel }, deps.now());
    }
    if (row.kind === 'notice') {
      const { to, notice } = row.payload as { to: NoticeTarget; notice: Notice };
      if (isStale(notice, to, alert.state)) return;
      const account = (await store.read(() => alerts.findWithAccount(alert.id)))?.account ?? null;
      const message = renderNotice(notice, to, {
        alert,
        account: accountLabel(account, alert.accountId),
        managers: deps.managers,
        // Outside the thread, a notice links to the alert itself.
        link: to === 'thread' ? null : await linkTo(alert),
      });
      if (to === 'thread') {
        if (!alert.messageTs) throw permanentError('alert_never_posted');
        await post(row, { channel: alert.channel, thread_ts: alert.messageTs, ...message });
      } else {
        const channel = to === 'escalation' ? deps.escalationChannel : to.user;
        await post(row, { channel, ...message, unfurl_links: false });
      }
      return;
    }
    if (!alert.messageTs) throw permanentError('alert_never_posted');
    if (row.kind === 'alert.update') {
      if (await store.read(() => outbox.supersededUpdate(alert.id, row.seq))) return;
      const message = renderAlert(await cards.cardFor(alert, deps.now()));
      await onDisk();
      await client.chat.update({ channel: alert.channel, ts: alert.messageTs, ...message });
    } else if (row.kind === 'alert.reply') {
      await post(row, { channel: alert.channel, thread_ts: alert.messageTs, text: payload.text! });
    } else {
      throw permanentError(`unknown_outbox_kind:${row.kind}`);
    }
  }

  /**
   * A call renders state as it is now, which may include what a derived unit (a scoring turn, a
   * sweep step) committed since: on disk before Slack shows it. Posts get this from their
   * attempt's durable unit (`post`), which commits after the rendering; updates and Home tabs
   * wait here.
   */
  function onDisk(): Promise<void> {
    return store.durable();
  }

  /** Permalinks of alert messages asked so far (a message's never changes): one call per alert, not per notice. */
  const permalinks = new Map<string, string>();

  /** The alert message's permalink; null when Slack cannot say (the notice goes out without it). */
  async function linkTo(alert: { channel: string; messageTs: string | null }): Promise<string | null> {
    if (!alert.messageTs) return null;
    const key = `${alert.channel}:${alert.messageTs}`;
    const known = permalinks.get(key);
    if (known) return known;
    try {
      const answer = await client.chat.getPermalink({ channel: alert.channel, message_ts: alert.messageTs });
      if (typeof answer.permalink !== 'string') return null;
      if (permalinks.size >= 1000) permalinks.clear();
      permalinks.set(key, answer.permalink);
      return answer.permalink;
    } catch (error) {
      logger.debug({ err: error, channel: alert.channel }, 'no permalink for the alert');
      return null;
    }
  }

  /**
   * chat.postMessage, exactly once across crashes: the attempt is committed before the call and
   * the message carries the row's seq in its metadata, so when an earlier attempt's outcome is
   * unknown (the process died, or the connection dropped, mid-call) the sender finds that post
   * in Slack instead of posting it again. https://docs.slack.dev/messaging/message-metadata
   */
  async function post(
    row: OutboxRow,
    args: Record<string, unknown> & { channel: string },
  ): Promise<{ ts: string; channel: string }> {
    if (row.attemptedAt !== null) {
      const earlier = await findEarlierPost(
        row,
        args.channel,
        args.thread_ts as string | undefined,
        row.attemptedAt,
      );
      if (earlier) return earlier;
    }
    // Durable before the call: after a crash the next attempt knows to look for this post.
    const mine = await store.unit(() => outbox.markAttempt(row.seq, row.attemptedAt, deps.now()), {
      durable: true,
    });
    if (!mine) throw new ChangedMeanwhile(`outbox row ${row.seq} was attempted by another sender`);
    const metadata = { event_type: 'pls_outbox', event_payload: { seq: row.seq } };
    const result = await client.chat.postMessage({ ...args, metadata } as unknown as PostArgs);
    return { ts: String(result.ts), channel: String(result.channel ?? args.channel) };
  }

  async function findEarlierPost(
    row: OutboxRow,
    target: string,
    threadTs: string | undefined,
    attemptedAt: number,
  ) {
    try {
      let channel = target;
      if (/^[UW]/.test(target)) {
        const opened = await client.conversations.open({ users: target });
        channel = String((opened.channel as { id?: string } | undefined)?.id ?? target);
      }
      const oldest = String((attemptedAt - 60_000) / 1000);
      const page = threadTs
        ? await client.conversations.replies({
            channel,
            ts: threadTs,
            oldest,
            include_all_metadata: true,
            limit: 200,
          })
        : await client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 200 });
      const match = (page.messages ?? []).find((m) => {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: { seq?: unknown } } })
          .metadata;
        return meta?.event_type === 'pls_outbox' && Number(meta.event_payload?.seq) === row.seq;
      });
      if (match?.ts) {
        logger.info(
          { seq: row.seq, kind: row.kind },
          'found the post of an interrupted attempt: not sending it again',
        );
        return { ts: String(match.ts), channel };
      }
    } catch (error) {
      // Without history access the sender falls back to at-least-once: it posts again.
      logger.warn({ err: error, seq: row.seq }, 'could not look for an interrupted post; sending it again');
    }
    return null;
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

/**
 * What a rep waits for first: an alert's messages and notices before App Home refreshes. A
 * Home is rendered from the database when it is sent, so sending it later shows no less; an
 * alert's own messages keep their order (only Home rows, which belong to no alert, move). On
 * Postgres a Home's render is a dozen round trips, and an alert posted behind the previous
 * alert's Home waited for them.
 */
/** How many times one drain reads again before its App Homes (see `drain`). */
const REREADS = 3;

function inSendingOrder(rows: OutboxRow[]): OutboxRow[] {
  return [...rows.filter((row) => row.kind !== 'home'), ...rows.filter((row) => row.kind === 'home')];
}

/** Logged (debug) when another instance holds the lease on an alert's messages. */
export const LEFT_TO_ANOTHER = 'another instance is sending this alert’s messages: left to it';

const DESCRIBE: Record<string, string> = {
  'alert.post': 'post an alert',
  'alert.update': 'update an alert',
  'alert.reply': 'reply in an alert thread',
  message: 'send a message',
  notice: 'send a notice about an alert',
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

/** `answered`: Slack replied, so the call's outcome is known (nothing was posted). */
function describe(error: unknown): {
  text: string;
  permanent: boolean;
  answered: boolean;
  retryAfterMs?: number;
} {
  const e = error as {
    code?: string;
    data?: WebAPICallResult;
    retryAfter?: number;
    statusCode?: number;
    permanent?: boolean;
    message?: string;
  };
  if (e.permanent) return { text: e.message ?? 'permanent', permanent: true, answered: true };
  if (e.code === ErrorCode.PlatformError) {
    const slackError = String((e.data as { error?: string } | undefined)?.error ?? 'unknown_error');
    return { text: slackError, permanent: !TRANSIENT.has(slackError), answered: true };
  }
  if (e.code === ErrorCode.RateLimitedError) {
    return {
      text: 'ratelimited',
      permanent: false,
      answered: true,
      retryAfterMs: (e.retryAfter ?? 1) * 1000,
    };
  }
  // A 5xx or a dropped connection: Slack may have posted anyway, so the next try looks first.
  if (e.code === ErrorCode.HTTPError)
    return { text: `http_${e.statusCode}`, permanent: false, answered: false };
  return { text: e.message ?? String(error), permanent: false, answered: false };
}
