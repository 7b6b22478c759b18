import type { FieldError } from './http-error.js';

/** Keys in the reported path are cut to this many characters: the path is an answer, not an echo. */
const KEY_SHOWN = 64;

/**
 * The path to the first string or key in parsed JSON that holds U+0000, or null. No product
 * means the character, and Postgres can store it neither in text nor in jsonb: ingest refuses
 * it (a 400 naming the field) on every engine, so what SQLite stored can always move to
 * Postgres. Call it after the depth check: it recurses, at most `MAX_JSON_DEPTH` levels.
 */
export function nulAt(value: unknown): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\0') ? [] : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = nulAt(value[i]);
      if (inner) return [i, ...inner];
    }
    return null;
  }
  // for…in over parsed JSON: own keys only.
  for (const key in value) {
    if (key.includes('\0')) return [key];
    const inner = nulAt((value as Record<string, unknown>)[key]);
    if (inner) return [key, ...inner];
  }
  return null;
}

/** `nulAt` as a 400's field error (README: `errors: [{path, message}]`), or null. */
export function nulError(value: unknown): FieldError | null {
  const at = nulAt(value);
  if (at === null) return null;
  const path = at
    .map((segment) => {
      const text = String(segment).replaceAll('\0', '\\u0000');
      return text.length > KEY_SHOWN ? `${text.slice(0, KEY_SHOWN)}…` : text;
    })
    .join('.');
  return {
    path: path || '(body)',
    message: 'contains the NUL character (\\u0000), which pls does not store',
  };
}
