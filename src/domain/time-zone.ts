import { IANAZone } from 'luxon';

const known = new Map<string, boolean>();
const LIMIT = 1000;

/**
 * Whether `zone` is an IANA time zone, remembered per string: luxon answers by building an
 * Intl.DateTimeFormat, which cost more than the rest of validating an event (BENCHMARKS.md).
 */
export function isTimeZone(zone: string): boolean {
  let answer = known.get(zone);
  if (answer === undefined) {
    answer = IANAZone.isValidZone(zone);
    if (known.size >= LIMIT) known.clear();
    known.set(zone, answer);
  }
  return answer;
}
