/**
 * Injected failures: the next N calls to a method answer with an error, an HTTP status, a rate
 * limit, or not at all. Rules queue in the order they were added.
 */
import type { Failure, SlackResponseBody } from './emulator-types.js';

/** What to send for a failed call; `hang` sends nothing. */
export type FailureAnswer =
  | { kind: 'hang' }
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: SlackResponseBody };

interface Rule {
  /** A Web API method, or `*` for every method. */
  method: string;
  failure: Failure;
  remaining: number;
}

export function createFailurePlan() {
  let rules: Rule[] = [];
  return {
    add(method: string, failure: Failure): void {
      rules.push({ method, failure, remaining: checkFailure(method, failure) });
    },

    /** The failure the next call to `method` suffers, if any; consumes one of its `times`. */
    take(method: string): FailureAnswer | undefined {
      const rule = rules.find((r) => r.method === method || r.method === '*');
      if (rule === undefined) return undefined;
      rule.remaining -= 1;
      if (rule.remaining <= 0) rules = rules.filter((r) => r !== rule);
      return answerFor(rule.failure);
    },

    clear(): void {
      rules = [];
    },
  };
}

/** Returns how many calls the rule covers; throws on a rule that cannot mean anything. */
function checkFailure(method: string, failure: Failure): number {
  const { times = 1, error, status, retryAfter, hang } = failure;
  if (error === undefined && status === undefined && retryAfter === undefined && hang !== true) {
    throw new TypeError(`fail('${method}'): give one of error, status, retryAfter or hang`);
  }
  if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0))) {
    throw new TypeError(`fail('${method}'): times must be a positive integer or Infinity, got ${times}`);
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    throw new TypeError(`fail('${method}'): status must be an HTTP error status (400-599), got ${status}`);
  }
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new TypeError(`fail('${method}'): retryAfter must be whole seconds, got ${retryAfter}`);
  }
  return times;
}

/**
 * Rate limits answer 429 with `Retry-After` in seconds and `{ ok: false, error: 'ratelimited' }`:
 * https://docs.slack.dev/apis/web-api/rate-limits. WebClient reads only the header.
 */
function answerFor(failure: Failure): FailureAnswer {
  if (failure.hang === true) return { kind: 'hang' };
  if (failure.retryAfter !== undefined) {
    return {
      kind: 'answer',
      status: 429,
      headers: { 'retry-after': String(failure.retryAfter) },
      body: { ok: false, error: failure.error ?? 'ratelimited' },
    };
  }
  if (failure.status !== undefined) {
    const error = failure.error ?? (failure.status === 503 ? 'service_unavailable' : 'internal_error');
    return { kind: 'answer', status: failure.status, headers: {}, body: { ok: false, error } };
  }
  return {
    kind: 'answer',
    status: 200,
    headers: {},
    body: { ok: false, error: failure.error ?? 'fatal_error' },
  };
}
