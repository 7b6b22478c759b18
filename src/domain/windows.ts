/**
 * Rolling-window counters kept inside an account's state: sparse buckets keyed by bucket index
 * (hour or day since the epoch). Adding is O(1); pruning drops only expired keys, so each key is
 * created and deleted once (amortised O(1)), and nothing ever rescans the event history.
 */
export type Buckets = Record<string, number>;

/**
 * A map keyed by names that come from events (user ids, feature and limit names): an object
 * without a prototype, so `__proto__`, `constructor` or `toString` are keys like any other. On a
 * plain object `map['constructor']` reads Object itself and `map['__proto__'] = x` sets the
 * prototype, losing or corrupting the entry (issue 18). Still stored as JSON.
 */
export type NameMap<T> = Record<string, T>;

export function emptyNameMap<T>(): NameMap<T> {
  return Object.create(null) as NameMap<T>;
}

/**
 * A name map holding the own entries of `value` (JSON read back from the database: JSON.parse
 * gives plain objects, with `__proto__` as an own key when it was one); empty when it is not an object.
 */
export function nameMapOf<T>(value: unknown): NameMap<T> {
  const map = emptyNameMap<T>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return map;
  for (const [key, entry] of Object.entries(value)) map[key] = entry as T;
  return map;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function addToBuckets(buckets: Buckets, at: number, size: number, amount = 1): void {
  const key = String(Math.floor(at / size));
  buckets[key] = (buckets[key] ?? 0) + amount;
}

/** Sum of the buckets that overlap (now - window, now]. Precision: one bucket. */
export function sumWithin(buckets: Buckets, now: number, window: number, size: number): number {
  const first = Math.floor((now - window) / size) + 1;
  const last = Math.floor(now / size);
  let total = 0;
  for (const [key, count] of Object.entries(buckets)) {
    const index = Number(key);
    if (index >= first && index <= last) total += count;
  }
  return total;
}

/** How many distinct UTC days of hourly buckets overlapping (now - window, now] have a count. */
export function daysWithin(hourly: Buckets, now: number, window: number): number {
  const first = Math.floor((now - window) / HOUR) + 1;
  const last = Math.floor(now / HOUR);
  const days = new Set<number>();
  for (const [key, count] of Object.entries(hourly)) {
    const index = Number(key);
    if (count > 0 && index >= first && index <= last) days.add(Math.floor(index / 24));
  }
  return days.size;
}

/** Drops buckets entirely older than `keep` before `now`. */
export function pruneBuckets(buckets: Buckets, now: number, keep: number, size: number): void {
  const first = Math.floor((now - keep) / size);
  for (const key of Object.keys(buckets)) {
    if (Number(key) < first) delete buckets[key];
  }
}

/** Keeps a `key → last seen` map bounded by age and size (the most recent `max` survive). */
export function touchLastSeen(
  map: NameMap<number>,
  key: string,
  at: number,
  keep: number,
  max: number,
): void {
  // Own entries only, should a plain object get here: an inherited `constructor` is no time.
  map[key] = Math.max(Object.hasOwn(map, key) ? map[key]! : 0, at);
  const cutoff = at - keep;
  const keys = Object.keys(map);
  for (const k of keys) if (map[k]! < cutoff) delete map[k];
  if (Object.keys(map).length > max) {
    const oldest = Object.entries(map).sort((a, b) => a[1] - b[1]);
    for (const [k] of oldest.slice(0, oldest.length - max)) delete map[k];
  }
}

export function countSince(map: NameMap<number>, since: number): number {
  let count = 0;
  for (const at of Object.values(map)) if (at > since) count++;
  return count;
}
