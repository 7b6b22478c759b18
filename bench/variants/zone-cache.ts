import { IANAZone } from 'luxon';

/**
 * A bench-only prototype: luxon's `IANAZone.isValidZone` builds an `Intl.DateTimeFormat` on
 * every call (tens of µs), and src/ingest/native-event-schema.ts calls it for every event with
 * `account.timezone`. Remembering the answer per zone string (bounded, so junk input cannot
 * grow it) gives the same result for a map lookup. The fix in src would be the same cache in
 * the schema's refine (or `IANAZone.create(zone).isValid`, which luxon caches per name).
 */
export function cacheZoneValidity(limit = 1_000): void {
  const original = IANAZone.isValidZone.bind(IANAZone);
  const known = new Map<string, boolean>();
  IANAZone.isValidZone = (zone: string) => {
    let valid = known.get(zone);
    if (valid === undefined) {
      valid = original(zone);
      if (known.size < limit) known.set(zone, valid);
    }
    return valid;
  };
}
