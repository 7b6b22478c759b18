import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { OutboxRepo, OutboxRow } from '../db/outbox-repo.js';
import { ChangedMeanwhile, type Store } from '../db/store.js';
import type { Notice, NoticeTarget } from '../domain/notice.js';
import { accountLabel } from '../domain/usage-event.js';
import type { AlertCards } from '../services/alert-card.js';
import type { HomeViews } from '../services/home.js';
import { permanentError } from './outbox-failures.js';
import { publishHome } from './publish-home.js';
import { renderAlert } from './render-alert.js';
import { isStale, renderNotice } from './render-notice.js';

type PostArgs = Parameters<WebClient['chat']['postMessage']>[0];

/** What a call's answer must record, in the unit that marks its row sent. */
export type Recording = () => Promise<void>;

export interface CallDeps {
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
}

/**
 * The Slack calls behind each outbox row (src/slack/outbox-sender.ts drains them): the alert's
 * post, update and thread replies, notices, messages and App Home, rendered from the database
 * when they are sent. A post is made exactly once across crashes (`post`).
 */
export function createOutboxCalls(deps: CallDeps) {
  const { outbox, alerts, cards, client, logger, store } = deps;
  /** Permalinks of alert messages asked so far (a message's never changes): one call per alert, not per notice. */
  const permalinks = new Map<string, string>();

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

  return { perform };
}
