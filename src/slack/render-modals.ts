import { NOT_A_FIT_REASONS, OUTCOMES, SNOOZES } from '../domain/alert-lifecycle.js';
import { outside, truncate } from '../domain/slack-text.js';
import { INPUTS, type Input, VIEWS } from './ids.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, text]) => ({ text: plain(text), value }));

function textInput(input: Input, label: string, multiline: boolean) {
  return {
    type: 'input',
    block_id: input.block,
    optional: true,
    label: plain(label),
    element: { type: 'plain_text_input', action_id: input.action, multiline, max_length: 3000 },
  };
}

/** "Not a fit": a reason from the fixed list plus a note. */
export function renderNotAFitModal(alertId: string, accountName: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.notAFit,
    private_metadata: alertId,
    title: plain('Not a fit'),
    submit: plain('Close alert'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Why is *${outside(accountName, 200)}* not a fit?` },
      },
      {
        type: 'input',
        block_id: INPUTS.reason.block,
        label: plain('Reason'),
        element: {
          type: 'static_select',
          action_id: INPUTS.reason.action,
          placeholder: plain('Choose a reason'),
          options: options(NOT_A_FIT_REASONS),
        },
      },
      textInput(INPUTS.note, 'Note', true),
    ],
  };
}

/** "Log outcome": won / lost / no response / not a fit, amount, objections, self-serve blocker, note. */
export function renderOutcomeModal(alertId: string, accountName: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.logOutcome,
    private_metadata: alertId,
    title: plain('Log outcome'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `How did it go with *${outside(accountName, 200)}*?` },
      },
      {
        type: 'input',
        block_id: INPUTS.outcome.block,
        label: plain('Outcome'),
        element: {
          type: 'static_select',
          action_id: INPUTS.outcome.action,
          placeholder: plain('Choose an outcome'),
          options: options(OUTCOMES),
        },
      },
      {
        type: 'input',
        block_id: INPUTS.amount.block,
        optional: true,
        label: plain('Amount (USD)'),
        element: {
          type: 'number_input',
          action_id: INPUTS.amount.action,
          is_decimal_allowed: true,
          min_value: '0',
        },
      },
      textInput(INPUTS.objections, 'Objections', true),
      textInput(INPUTS.selfServe, 'What would have let them self-serve?', true),
      textInput(INPUTS.note, 'Note', true),
    ],
  };
}

/** "Snooze": for how long; the alert's clocks and ladder wait as long. */
export function renderSnoozeModal(alertId: string, accountName: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.snooze,
    private_metadata: alertId,
    title: plain('Snooze'),
    submit: plain('Snooze'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Put *${outside(accountName, 200)}* aside: its claim and first-touch clocks and its escalations wait, and you are reminded when the snooze ends.`,
        },
      },
      {
        type: 'input',
        block_id: INPUTS.duration.block,
        label: plain('For'),
        element: {
          type: 'static_select',
          action_id: INPUTS.duration.action,
          placeholder: plain('Choose how long'),
          options: options(
            Object.fromEntries(Object.entries(SNOOZES).map(([key, { label }]) => [key, label])),
          ),
        },
      },
    ],
  };
}

/** "Assign" (managers, from an escalation post): the rep who takes the alert now. */
export function renderAssignModal(
  alertId: string,
  accountName: string,
  reps: readonly { id: string; email: string | null }[],
) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.assign,
    private_metadata: alertId,
    title: plain('Assign'),
    submit: plain('Assign'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Who takes *${outside(accountName, 200)}* now? It is claimed for them.`,
        },
      },
      {
        type: 'input',
        block_id: INPUTS.rep.block,
        label: plain('Rep'),
        element: {
          type: 'static_select',
          action_id: INPUTS.rep.action,
          placeholder: plain('Choose a rep'),
          options: reps.slice(0, 100).map((rep) => ({
            text: plain(truncate(rep.email ? `${rep.email} (${rep.id})` : rep.id, 75)),
            value: rep.id,
          })),
        },
      },
    ],
  };
}
