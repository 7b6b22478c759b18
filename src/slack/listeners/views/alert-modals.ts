import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUTS } from '../../ids.js';
import { alertIdOf, parseAssign, parseNotAFit, parseOutcome, parseSnooze } from '../../payloads.js';
import { replyOf } from '../answer.js';
import type { ListenerDeps } from '../index.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Values = Parameters<typeof parseNotAFit>[0];

/**
 * A modal submission answers inside its ack: invalid input or an alert that changed meanwhile
 * is shown on the form (`response_action: errors`), success closes it.
 */
async function submit(
  deps: ListenerDeps,
  args: ViewArgs,
  firstBlock: string,
  apply: (values: Values, alertId: string) => Promise<Record<string, string> | null>,
) {
  try {
    const errors = await apply(args.view.state.values as Values, alertIdOf(args.view.private_metadata));
    if (errors) {
      await args.ack({ response_action: 'errors', errors });
      return;
    }
    await args.ack();
  } catch (error) {
    await args.ack({
      response_action: 'errors',
      errors: { [firstBlock]: replyOf(error, deps.logger, {}, 'view submission failed') },
    });
  }
}

export const notAFitSubmitted = (deps: ListenerDeps) => (args: ViewArgs) =>
  submit(deps, args, INPUTS.reason.block, async (values, alertId) => {
    const parsed = parseNotAFit(values);
    if (!parsed.ok) return parsed.errors;
    await deps.actions.notAFit(alertId, args.body.user.id, parsed.value.reason, parsed.value.note);
    return null;
  });

export const outcomeLogged = (deps: ListenerDeps) => (args: ViewArgs) =>
  submit(deps, args, INPUTS.outcome.block, async (values, alertId) => {
    const parsed = parseOutcome(values);
    if (!parsed.ok) return parsed.errors;
    await deps.actions.logOutcome(alertId, args.body.user.id, parsed.value);
    return null;
  });

export const snoozeChosen = (deps: ListenerDeps) => (args: ViewArgs) =>
  submit(deps, args, INPUTS.duration.block, async (values, alertId) => {
    const parsed = parseSnooze(values);
    if (!parsed.ok) return parsed.errors;
    await deps.actions.snooze(alertId, args.body.user.id, parsed.value.ms);
    return null;
  });

export const assignChosen = (deps: ListenerDeps) => (args: ViewArgs) =>
  submit(deps, args, INPUTS.rep.block, async (values, alertId) => {
    const parsed = parseAssign(values);
    if (!parsed.ok) return parsed.errors;
    await deps.actions.assignAlert(args.body.user.id, alertId, parsed.value.rep);
    return null;
  });
