import { Duration } from 'luxon';
import * as z from 'zod';
import { type CodedError, ErrorCode } from '../domain/errors.js';
import { describeValue } from './config-error.js';

/**
 * Durations in the manifest: `30s`, `15m`, `4h`, `7d`, `1.5h`, compounds such as `1d 2h` (what
 * `formatDuration` prints, so its output parses back) and ISO 8601 (`PT15M`, `P7D`, `P1DT2H`).
 * Months and years are refused: they have no fixed length, and every duration here is a
 * clock interval in milliseconds.
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's'];

const EXAMPLES = '30s, 15m, 4h, 7d or PT15M';
const SHORT_FORM = /^(?:\d+(?:\.\d+)?\s*[dhms]\s*)+$/;
const SHORT_PART = /(\d+(?:\.\d+)?)\s*([dhms])/g;

export class DurationError extends Error implements CodedError {
  override name = 'DurationError';
  readonly code = ErrorCode.DurationInvalid;
}

/** Parses a duration into milliseconds (an integer ≥ 0); throws `DurationError` with a readable reason. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new DurationError(`expected a duration like ${EXAMPLES}, got an empty string`);
  if (trimmed.startsWith('-')) throw new DurationError(`a duration cannot be negative, got "${text}"`);
  const ms = trimmed.startsWith('P') ? parseIso(trimmed, text) : parseShort(trimmed, text);
  if (!Number.isSafeInteger(ms)) throw new DurationError(`duration "${text}" is too long`);
  return ms;
}

function parseShort(trimmed: string, original: string): number {
  if (!SHORT_FORM.test(trimmed)) {
    throw new DurationError(`expected a duration like ${EXAMPLES}, got "${original}"`);
  }
  let total = 0;
  let previous = -1;
  for (const [, amount, unit] of trimmed.matchAll(SHORT_PART)) {
    const rank = UNIT_ORDER.indexOf(unit as Unit);
    // `1d 2h` reads naturally; `2h 1d` or `1h 1h` is almost certainly a typo.
    if (rank <= previous) {
      throw new DurationError(
        `units must go from largest to smallest, each once (like 1d 2h), got "${original}"`,
      );
    }
    previous = rank;
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  return Math.round(total);
}

function parseIso(trimmed: string, original: string): number {
  const duration = Duration.fromISO(trimmed);
  // Luxon accepts a bare `P` and a dangling `T` (`P1DT`); ISO 8601 does not.
  if (!duration.isValid || trimmed === 'P' || trimmed.endsWith('T')) {
    throw new DurationError(`expected a duration like ${EXAMPLES}, got "${original}"`);
  }
  const parts = duration.toObject();
  if (parts.years || parts.months || parts.quarters) {
    throw new DurationError(
      `months and years have no fixed length; use days or weeks instead of "${original}"`,
    );
  }
  const ms = duration.toMillis();
  if (ms < 0) throw new DurationError(`a duration cannot be negative, got "${original}"`);
  return Math.round(ms);
}

/** Short human text for messages: `15m`, `4h`, `1d 2h`, `1.5s`, `-15m`. Round-trips through `parseDuration` when ≥ 0. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const unit of UNIT_ORDER) {
    if (unit === 's') break;
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  if (rest > 0) parts.push(`${Number((rest / 1000).toFixed(3))}s`);
  return parts.length === 0 ? '0s' : parts.join(' ');
}

interface DurationSchemaOptions {
  /** Smallest accepted value in milliseconds (inclusive). Default 0. */
  readonly min?: number;
}

/** Builds a zod schema: duration text → milliseconds. */
export function createDurationSchema(options: DurationSchemaOptions = {}) {
  const min = options.min ?? 0;
  return z.unknown().transform((value, ctx): number => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `required (a duration like ${EXAMPLES})` });
      return z.NEVER;
    }
    if (typeof value !== 'string') {
      const hint = typeof value === 'number' ? ` (add a unit, e.g. ${value}s or ${value}m)` : '';
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like ${EXAMPLES}, got ${describeValue(value)}${hint}`,
      });
      return z.NEVER;
    }
    try {
      const ms = parseDuration(value);
      if (ms < min) {
        ctx.addIssue({
          code: 'custom',
          message:
            min === 1
              ? `must be longer than zero, got "${value}"`
              : `must be at least ${formatDuration(min)}, got "${value}"`,
        });
        return z.NEVER;
      }
      return ms;
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  });
}

/** Duration text → milliseconds, zero allowed (`cooldown: 0s` turns the cooldown off). */
export const durationSchema = createDurationSchema();

/** Duration text → milliseconds, strictly positive (a half-life or an SLA of zero means nothing). */
export const positiveDurationSchema = createDurationSchema({ min: 1 });
