import { ErrorCode, type WebAPICallResult } from '@slack/web-api';
import type { OutboxRow } from '../db/outbox-repo.js';
import type { NoticeTarget } from '../domain/notice.js';

/**
 * How the outbox reads a failed Slack call — retry it, wait for Retry-After, or give up — and
 * what the managers are told when a call fails for good (src/slack/outbox-sender.ts).
 */

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

/** Slack's error for a row that failed for good, or the word for why it cannot be sent. */
export function permanentError(error: string): Error & { permanent: true } {
  return Object.assign(new Error(error), { permanent: true as const });
}

/** The Web API method a row calls, for metrics. */
export function methodOf(row: OutboxRow): string {
  if (row.kind === 'alert.update') return 'chat.update';
  if (row.kind === 'home') return 'views.publish';
  return 'chat.postMessage';
}

/**
 * What the managers read when a row failed for good: what pls could not do, where, Slack's
 * error and what to do about it. Null when nobody is told: an alert that never posted is
 * reported once, by its post.
 */
export function failureNotice(
  row: OutboxRow,
  error: string,
  where: { alertChannel: string | null; escalationChannel: string },
): string | null {
  const payload = row.payload as { channel?: string; to?: NoticeTarget };
  if (error === 'alert_never_posted' || error === 'alert_not_found') return null;
  const to = payload.to;
  const target =
    payload.channel ??
    (to === 'escalation' ? where.escalationChannel : typeof to === 'object' ? to.user : where.alertChannel) ??
    'Slack';
  const hint = HINTS[error] ?? 'check the app and the manifest';
  return `⚠️ pls could not ${DESCRIBE[row.kind] ?? 'send a message'} in ${target.startsWith('U') ? `<@${target}>` : `<#${target}>`}: \`${error}\`. ${hint}.`;
}

/** How a failed call reads: Slack's word, whether to give up, and whether Slack answered. */
export interface Failure {
  text: string;
  permanent: boolean;
  /** Slack replied, so the call's outcome is known (nothing was posted). */
  answered: boolean;
  retryAfterMs?: number;
}

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

/** What a failed call's error says (a Web API error, a permanent one of pls's, a network failure). */
export function describeFailure(error: unknown): Failure {
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
