import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { alertIdOf } from '../../payloads.js';
import { renderAlertDetails } from '../../render-alert.js';
import {
  renderAssignModal,
  renderNotAFitModal,
  renderOutcomeModal,
  renderSnoozeModal,
} from '../../render-modals.js';
import { answer } from '../answer.js';
import type { ListenerDeps } from '../index.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type ModalView = Parameters<ButtonArgs['client']['views']['open']>[0]['view'];

function where(deps: ListenerDeps, { body, client }: ButtonArgs) {
  return {
    client,
    logger: deps.logger,
    channel: body.channel?.id ?? body.container?.channel_id,
    user: body.user.id,
  };
}

/**
 * A button that changes the alert's state (a compare-and-set in the service; a loser is told
 * why). The Slack calls it causes are queued with it, and the unit wakes the sender as it commits.
 */
const stateChange =
  (change: (deps: ListenerDeps) => (alertId: string, userId: string) => Promise<unknown>) =>
  (deps: ListenerDeps) =>
  async (args: ButtonArgs) => {
    await args.ack();
    await answer(where(deps, args), async () => {
      await change(deps)(alertIdOf(args.action.value), args.body.user.id);
    });
  };

/** A button that asks first: the alert is checked as it is now, then its modal opens. */
const openModal =
  (
    command: 'not_a_fit' | 'log_outcome' | 'snooze',
    render: (alertId: string, accountName: string) => ModalView,
  ) =>
  (deps: ListenerDeps) =>
  async (args: ButtonArgs) => {
    await args.ack();
    await answer(where(deps, args), async () => {
      const target = await deps.actions.check(alertIdOf(args.action.value), command, args.body.user.id);
      await args.client.views.open({
        trigger_id: args.body.trigger_id,
        view: render(target.alertId, target.accountName),
      });
    });
  };

export const claim = stateChange((deps) => deps.actions.claim);
export const markContacted = stateChange((deps) => deps.actions.markContacted);
export const release = stateChange((deps) => deps.actions.release);
export const notAFit = openModal('not_a_fit', renderNotAFitModal);
export const logOutcome = openModal('log_outcome', renderOutcomeModal);
export const snooze = openModal('snooze', renderSnoozeModal);
export const unsnooze = stateChange((deps) => deps.actions.unsnooze);

/** **Assign** (managers, on escalation posts): pick the rep in a modal. */
export const assign = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), async () => {
    const target = await deps.actions.assignable(alertIdOf(args.action.value), args.body.user.id);
    const view = renderAssignModal(target.alertId, target.accountName, target.reps) as ModalView;
    await args.client.views.open({ trigger_id: args.body.trigger_id, view });
  });
};

/** **Details**: the alert's full breakdown, dossier and contacts, as they are now, in a modal. */
export const details = (deps: ListenerDeps) => async (args: ButtonArgs) => {
  await args.ack();
  await answer(where(deps, args), async () => {
    const alert = await deps.actions.viewable(alertIdOf(args.action.value), args.body.user.id);
    const view = renderAlertDetails(await deps.cards.cardFor(alert, deps.now())) as ModalView;
    await args.client.views.open({ trigger_id: args.body.trigger_id, view });
  });
};
