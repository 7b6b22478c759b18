import type { Condition } from './definition.js';

/**
 * The manifest's `match` (manifests/README.md, "Match conditions"): every named field must
 * satisfy its condition (`eq`, `in`, `gte`, `gt`, `lte`, `lt`). A missing value satisfies
 * nothing, so an account of unknown size matches no size band. Strings compare case-insensitively.
 */
export function matchesConditions(
  values: Record<string, unknown>,
  conditions: Record<string, Condition>,
): boolean {
  for (const [field, condition] of Object.entries(conditions)) {
    if (condition && !satisfies(values[field], condition)) return false;
  }
  return true;
}

function satisfies(value: unknown, condition: Condition): boolean {
  if (value === null || value === undefined) return false;
  const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  if (condition.eq !== undefined && norm(value) !== norm(condition.eq)) return false;
  if (condition.in !== undefined && !condition.in.some((option) => norm(option) === norm(value)))
    return false;
  const n = Number(value);
  if (condition.gte !== undefined && !(n >= condition.gte)) return false;
  if (condition.gt !== undefined && !(n > condition.gt)) return false;
  if (condition.lte !== undefined && !(n <= condition.lte)) return false;
  if (condition.lt !== undefined && !(n < condition.lt)) return false;
  return true;
}
