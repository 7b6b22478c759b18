/**
 * One formatter for every number in a sentence: `toLocaleString` builds a new Intl formatter on
 * each call, which made rendering the score's sentences most of the cost of scoring an event.
 */
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

/** `10000` → `10,000`; `0.5` → `0.5`. */
export function formatNumber(value: number): string {
  return NUMBER.format(value);
}

/**
 * Fills a `says` template ("hit the {limit} limit ({used}/{quota})") from the event's own
 * properties; numbers get thousands separators; `{s}` is a plural "s" unless `{count}` is 1
 * ("invited {count} teammate{s}"). An unknown placeholder is left out cleanly. A text value the
 * manifest's `labels` names reads in people's words (`audit_log` → "audit log").
 */
export function renderSays(
  template: string,
  values: Record<string, unknown>,
  labels: Readonly<Record<string, string>> = NO_LABELS,
): string {
  return template
    .replace(/\{s\}/g, () => (Number(values.count) === 1 ? '' : 's'))
    .replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = values[name];
      return typeof value === 'string' && Object.hasOwn(labels, value) ? labels[value]! : formatValue(value);
    })
    .replace(/\(\s*\/\s*\)|\(\s*\)/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(value.trim())
      ? formatNumber(n)
      : value;
  }
  return '';
}

/**
 * A why-now sentence and when it happened, apart: "has been close to the API calls limit on 3
 * days in two weeks · just now" (a sentence about a fortnight, then the moment it became true).
 */
export function whyNowWords(trigger: { text: string; at: number }, now: number): string {
  return `${trigger.text} · ${formatAge(now - trigger.at)}`;
}

/** "just now", "3 min ago", "2 h ago", "yesterday", "4 days ago". */
export function formatAge(elapsed: number): string {
  const minutes = Math.floor(Math.max(0, elapsed) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}
