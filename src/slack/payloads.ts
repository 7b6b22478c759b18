import { z } from 'zod';
import {
  NOT_A_FIT_REASONS,
  type NotAFitReason,
  OUTCOMES,
  type Outcome,
  SNOOZES,
  type SnoozeOption,
} from '../domain/alert-lifecycle.js';
import { ErrorCode } from '../domain/errors.js';
import type { OutcomeInput } from '../services/alert-actions.js';
import { UserError } from '../services/user-error.js';
import { INPUTS, type Input } from './ids.js';

/** Button values and modal metadata only ever name an alert; anything else is refused. */
const alertIdSchema = z.string().regex(/^al_[0-9A-HJKMNP-TV-Z]{26}$/, 'not an alert id');

export function alertIdOf(value: unknown): string {
  const parsed = alertIdSchema.safeParse(value);
  if (!parsed.success)
    throw new UserError(ErrorCode.BadPayload, 'That button does not name an alert pls knows.');
  return parsed.data;
}

type ViewValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

const MAX_TEXT = 3000;
const optionalText = z
  .string()
  .max(MAX_TEXT, `at most ${MAX_TEXT} characters`)
  .nullish()
  .transform((v) => (v?.trim() ? v.trim() : null));

const notAFitSchema = z.object({
  reason: z.enum(Object.keys(NOT_A_FIT_REASONS) as [NotAFitReason, ...NotAFitReason[]], 'choose a reason'),
  note: optionalText,
});

const outcomeSchema = z.object({
  outcome: z.enum(Object.keys(OUTCOMES) as [Outcome, ...Outcome[]], 'choose an outcome'),
  amount: z
    .string()
    .nullish()
    .transform((v, ctx) => {
      if (v === null || v === undefined || v.trim() === '') return null;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1e12) {
        ctx.addIssue({ code: 'custom', message: 'a positive amount, like 12000' });
        return z.NEVER;
      }
      return n;
    }),
  objections: optionalText,
  selfServeBlocker: optionalText,
  note: optionalText,
});

/** Reads a view's state by block id / action id (what Slack sends; values arrive as strings). */
function read(values: ViewValues, input: Input): string | null | undefined {
  const field = values[input.block]?.[input.action];
  return field?.selected_option?.value ?? field?.value;
}

/** Either the parsed input or Slack's `response_action: errors` map (block id → message). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

function parse<T>(
  schema: z.ZodType<T>,
  raw: Record<string, unknown>,
  blockOf: Record<string, string>,
): Parsed<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? '');
    errors[blockOf[key] ?? key] = issue.message;
  }
  return { ok: false, errors };
}

export function parseNotAFit(values: ViewValues): Parsed<{ reason: NotAFitReason; note: string | null }> {
  return parse(
    notAFitSchema,
    { reason: read(values, INPUTS.reason), note: read(values, INPUTS.note) },
    { reason: INPUTS.reason.block, note: INPUTS.note.block },
  );
}

const snoozeSchema = z.object({
  duration: z.enum(Object.keys(SNOOZES) as [SnoozeOption, ...SnoozeOption[]], 'choose how long'),
});

const assignSchema = z.object({ rep: z.string().regex(/^[UW][A-Z0-9]+$/, 'choose a rep') });

/** The Assign modal's choice: a Slack user id (the service checks it is a manifest rep). */
export function parseAssign(values: ViewValues): Parsed<{ rep: string }> {
  return parse(assignSchema, { rep: read(values, INPUTS.rep) }, { rep: INPUTS.rep.block });
}

/** The Snooze modal's choice, as milliseconds. */
export function parseSnooze(values: ViewValues): Parsed<{ ms: number }> {
  const parsed = parse(
    snoozeSchema,
    { duration: read(values, INPUTS.duration) },
    { duration: INPUTS.duration.block },
  );
  return parsed.ok ? { ok: true, value: { ms: SNOOZES[parsed.value.duration].ms } } : parsed;
}

export function parseOutcome(values: ViewValues): Parsed<OutcomeInput> {
  return parse(
    outcomeSchema,
    {
      outcome: read(values, INPUTS.outcome),
      amount: read(values, INPUTS.amount),
      objections: read(values, INPUTS.objections),
      selfServeBlocker: read(values, INPUTS.selfServe),
      note: read(values, INPUTS.note),
    },
    {
      outcome: INPUTS.outcome.block,
      amount: INPUTS.amount.block,
      objections: INPUTS.objections.block,
      selfServeBlocker: INPUTS.selfServe.block,
      note: INPUTS.note.block,
    },
  );
}
