import { DateTime } from 'luxon';
import { DAY } from './windows.js';

/** Cuts text to Slack's limit for the field, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters mrkdwn treats as markup (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Text as the user typed it from text Slack sends escaped: a slash command's `text` arrives with
 * `&`, `<` and `>` as entities (https://api.slack.com/reference/surfaces/formatting#escaping),
 * while what Slack itself wrote stays markup (`<@U123|ben>`, `<!channel>`). Replies escape
 * again; decoding first keeps "at&t.com" from coming back as "at&amp;t.com".
 */
export function unescapeSlackText(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** "10:19" today, "Tue 10:19" within a week, else "Nov 30 10:19", in the given zone. */
export function formatClock(at: number, zone: string, now: number): string {
  const time = DateTime.fromMillis(at, { zone });
  const today = DateTime.fromMillis(now, { zone });
  if (time.hasSame(today, 'day')) return time.toFormat('HH:mm');
  if (Math.abs(at - now) < 6 * DAY) return time.toFormat('ccc HH:mm');
  return time.toFormat('LLL d HH:mm');
}

export function formatDate(at: number | null, zone: string): string {
  return at === null ? '—' : DateTime.fromMillis(at, { zone }).toFormat('LLL d, yyyy');
}

export function formatMinutes(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * A time each reader sees in their own zone: Slack's date formatting, with a UTC fallback for
 * clients that cannot render it. https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
export function slackTime(at: number): string {
  const fallback = DateTime.fromMillis(at, { zone: 'utc' }).toFormat("LLL d HH:mm 'UTC'");
  return `<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** Text from outside (names, notes, event properties) as mrkdwn that shows it as typed, bounded. */
export function outside(text: string, max = 300): string {
  return escapeMrkdwn(truncate(text, max));
}
