import type { z } from 'zod';
import type { FieldError } from './http-error.js';

/** zod issues as a 400's `errors` body (README): `{path: "events.3.account.id", message: "Required"}`. */
export function toFieldErrors(error: z.ZodError, prefix: (string | number)[] = []): FieldError[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Per-parse error map: a missing field says "Required" (as the README's example answer does), the rest keep zod's words. */
export const requiredMessage = {
  error: (issue: { input?: unknown; code?: string }) =>
    issue.input === undefined && issue.code === 'invalid_type' ? 'Required' : undefined,
};
