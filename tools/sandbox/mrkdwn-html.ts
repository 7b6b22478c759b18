import { escapeHtml, html, SafeHtml } from './html.js';

/**
 * Slack's mrkdwn as HTML, for the sandbox page: *bold*, _italic_, ~strike~, `code`, ```pre```,
 * `>` quotes, line breaks, and the `<…>` tokens (mentions, channels, links, `<!here>`).
 * https://docs.slack.dev/messaging/formatting-message-text
 *
 * Slack text arrives with `&`, `<` and `>` escaped as entities; a literal `<` is never markup.
 * The output is always safe HTML: text is decoded, then escaped again, and only the markup this
 * function writes is left unescaped.
 */
export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
  /** The reader's time zone: `<!date^…>` is drawn in it, as Slack does; else its fallback text. */
  zone?: string;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');

export function renderMrkdwn(text: string, names: Names): SafeHtml {
  const parts: string[] = [];
  const hold = (markup: string) => {
    parts.push(markup);
    return `${OPEN}${parts.length - 1}${CLOSE}`;
  };

  // Placeholder characters typed by someone must not be mistaken for ours.
  const source = text
    .replace(new RegExp(`[${OPEN}${CLOSE}]`, 'g'), '')
    .replace(/```([\s\S]*?)```/g, (_, code: string) => hold(`<pre>${escapeHtml(decode(code))}</pre>`))
    .replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${escapeHtml(decode(code))}</code>`))
    .replace(/<([^<>\n]+)>/g, (_, token: string) => hold(renderToken(token, names)));

  const out: string[] = [];
  let quote: string[] | null = null;
  for (const line of source.split('\n')) {
    // The quote marker is a raw `>`; a `>` in the text itself arrives as `&gt;`.
    const quoted = line.startsWith('>');
    const body = formatInline(quoted ? line.slice(1).replace(/^ /, '') : line);
    if (quoted) {
      quote ??= [];
      quote.push(body);
      continue;
    }
    if (quote) {
      out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
      quote = null;
    }
    out.push(`${body}<br>`);
  }
  if (quote) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
  const joined = out.join('').replace(/<br>$/, '');
  return new SafeHtml(joined.replace(PLACEHOLDER, (_, index: string) => parts[Number(index)] ?? ''));
}

/** Plain text as Slack shows it: no formatting, but the same entities and line breaks. */
export function renderPlainText(text: string): SafeHtml {
  return new SafeHtml(escapeHtml(text).replaceAll('\n', '<br>'));
}

function decode(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** Emphasis needs a non-word character (or the line's edge) outside each marker, as in Slack. */
function emphasis(marker: string, tag: string): [RegExp, string] {
  const m = `\\${marker}`;
  return [new RegExp(`(^|[^\\w${m}])${m}(?!\\s)([^${m}\\n]*?[^\\s${m}])${m}(?![\\w${m}])`, 'g'), tag];
}
const EMPHASIS = [emphasis('*', 'strong'), emphasis('_', 'em'), emphasis('~', 'del')];

function formatInline(line: string): string {
  let out = escapeHtml(decode(line));
  for (const [pattern, tag] of EMPHASIS) out = out.replace(pattern, `$1<${tag}>$2</${tag}>`);
  return out;
}

function renderToken(token: string, names: Names): string {
  const [target = '', label] = splitLabel(token);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = names.user(id) ?? label ?? id;
    return html`<span class="mention" title="${id}">@${name}</span>`.value;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = names.channel(id) ?? label ?? id;
    return html`<span class="mention" title="${id}">#${name}</span>`.value;
  }
  if (target.startsWith('!')) {
    const [command = '', ...rest] = target.slice(1).split('^');
    if (command === 'date') {
      const seconds = Number(rest[0]);
      if (names.zone && Number.isFinite(seconds)) return escapeHtml(readerTime(seconds * 1000, names.zone));
      return escapeHtml(decode(label ?? rest.at(-1) ?? ''));
    }
    if (command === 'subteam')
      return html`<span class="mention">@${label ?? rest[0] ?? 'group'}</span>`.value;
    return html`<span class="mention">@${command}</span>`.value;
  }
  const url = decode(target);
  if (/^(https?:|mailto:)/i.test(url)) {
    return html`<a href="${url}" target="_blank" rel="noopener noreferrer">${decode(label ?? url)}</a>`.value;
  }
  // Not a token Slack knows: show it as text, which is what it was.
  return escapeHtml(`<${decode(token)}>`);
}

/** `{date_short_pretty} {time}` as Slack shows it: "today 10:12", "Dec 9 10:12", in the zone. */
function readerTime(at: number, zone: string): string {
  const day = (ms: number) =>
    new Intl.DateTimeFormat('en-US', { timeZone: zone, dateStyle: 'medium' }).format(ms);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
  const now = Date.now();
  const label =
    day(at) === day(now)
      ? 'today'
      : day(at) === day(now + 86_400_000)
        ? 'tomorrow'
        : day(at) === day(now - 86_400_000)
          ? 'yesterday'
          : new Intl.DateTimeFormat('en-US', { timeZone: zone, month: 'short', day: 'numeric' }).format(at);
  return `${label} ${time}`;
}

function splitLabel(token: string): [string, string | undefined] {
  const bar = token.indexOf('|');
  return bar === -1 ? [token, undefined] : [token.slice(0, bar), token.slice(bar + 1)];
}
