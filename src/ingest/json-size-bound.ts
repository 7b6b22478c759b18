/**
 * An upper bound on the bytes of `JSON.stringify(value)` for parsed JSON, without building the
 * string: a UTF-16 unit takes at most 6 bytes (`\uXXXX`), a number at most 25 characters. Stops
 * counting once past `stopAbove`. Serialising every message of a batch again to check Segment's
 * 32 KB limit was a tenth of a batch's ingest time; a typical message is bounded under 3 KB, and
 * only one bounded above the limit is serialised to measure it exactly.
 */
export function jsonSizeBound(value: unknown, stopAbove: number): number {
  if (typeof value === 'string') return 2 + 6 * value.length;
  if (typeof value !== 'object' || value === null) return 25;
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      size += 1 + jsonSizeBound(item, stopAbove - size);
      if (size > stopAbove) return size;
    }
    return size;
  }
  for (const key in value) {
    size += 4 + 6 * key.length + jsonSizeBound((value as Record<string, unknown>)[key], stopAbove - size);
    if (size > stopAbove) return size;
  }
  return size;
}
