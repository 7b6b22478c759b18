import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { alertIdOf } from '../../payloads.js';
import { renderNotAFitModal, renderOutcomeModal } from '../../render-modals.js';
import { answer } from '../answer.js';
import type { ListenerDeps } from '../index.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

function where(deps: ListenerDeps, { body, client }: ButtonArgs) {
  return {
    client,
    logger: deps.logger,
    channel: body.channel?.id ?? body.container?.channel_id,
    user: body.user.id,
  };
}

/** Claim: compare-and-set in the service; the loser is told who has it. */
export const claim = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), () => {
    deps.actions.claim(alertIdOf(args.action.value), args.body.user.id);
    deps.kick();
  });
};

export const markContacted = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), () => {
    deps.actions.markContacted(alertIdOf(args.action.value), args.body.user.id);
    deps.kick();
  });
};

export const release = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), () => {
    deps.actions.release(alertIdOf(args.action.value), args.body.user.id);
    deps.kick();
  });
};

/** Not a fit: check the alert as it is now, then ask for the reason in a modal. */
export const notAFit = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), async () => {
    const target = deps.actions.check(alertIdOf(args.action.value), 'not_a_fit', args.body.user.id);
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: renderNotAFitModal(target.alertId, target.accountName),
    });
  });
};

export const logOutcome = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), async () => {
    const target = deps.actions.check(alertIdOf(args.action.value), 'log_outcome', args.body.user.id);
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: renderOutcomeModal(target.alertId, target.accountName),
    });
  });
};
