import type { FieldError } from './http-error.js';

/** Keys in the reported path are cut to this many characters: the path is an answer, not an echo. */
const KEY_SHOWN = 64;

/**
 * Text no engine keeps alike: U+0000, which no product means and Postgres stores neither in text
 * nor in jsonb, and half of a UTF-16 surrogate pair (`\ud800` alone: JSON can carry it, it is not
 * text, and Postgres's jsonb refuses it). Ingest refuses both (a 400 naming the field) on every
 * engine, so what one engine stored the other would have too, and what SQLite stored can always
 * move to Postgres.
 */
type Flaw = 'nul' | 'surrogate';

/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function flawOf(text: string): Flaw | null {
  if (text.includes('\0')) return 'nul';
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text) ? 'surrogate' : null;
}

/**
 * The path to the first string or key in parsed JSON that holds unstorable text, and what is
 * wrong with it, or null. Call it after the depth check: it recurses, at most `MAX_JSON_DEPTH`
 * levels.
 */
export function unstorableAt(value: unknown): { path: (string | number)[]; flaw: Flaw } | null {
  if (typeof value === 'string') {
    const flaw = flawOf(value);
    return flaw ? { path: [], flaw } : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = unstorableAt(value[i]);
      if (inner) return { ...inner, path: [i, ...inner.path] };
    }
    return null;
  }
  // for…in over parsed JSON: own keys only.
  for (const key in value) {
    const flaw = flawOf(key);
    if (flaw) return { path: [key], flaw };
    const inner = unstorableAt((value as Record<string, unknown>)[key]);
    if (inner) return { ...inner, path: [key, ...inner.path] };
  }
  return null;
}

const MESSAGES: Record<Flaw, string> = {
  nul: 'contains the NUL character (\\u0000), which pls does not store',
  surrogate:
    'contains half of a UTF-16 surrogate pair (\\ud800–\\udfff alone), which is not text: pls does not store it',
};

/** `unstorableAt` as a 400's field error (README: `errors: [{path, message}]`), or null. */
export function unstorableTextError(value: unknown): FieldError | null {
  const at = unstorableAt(value);
  if (at === null) return null;
  const path = at.path
    .map((segment) => {
      const text = escapeFlaws(String(segment));
      return text.length > KEY_SHOWN ? `${text.slice(0, KEY_SHOWN)}…` : text;
    })
    .join('.');
  return { path: path || '(body)', message: MESSAGES[at.flaw] };
}

/** The path shows what was sent, as JSON escapes would: `\u0000`, `\ud800`. */
function escapeFlaws(text: string): string {
  return text
    .replaceAll('\0', '\\u0000')
    .replace(LONE_SURROGATE, (half) => `\\u${half.charCodeAt(0).toString(16)}`);
}
