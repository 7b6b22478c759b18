/** Every action id, callback id and command name, defined once. Button values only name the alert. */
export const ACTIONS = {
  claim: 'claim',
  notAFit: 'not_a_fit',
  markContacted: 'mark_contacted',
  release: 'release',
  logOutcome: 'log_outcome',
  toggleOoo: 'toggle_ooo',
  details: 'details',
  snooze: 'snooze',
  unsnooze: 'unsnooze',
  assign: 'assign',
} as const;

export const VIEWS = {
  notAFit: 'not_a_fit',
  logOutcome: 'log_outcome',
  details: 'alert_details',
  snooze: 'snooze',
  assign: 'assign',
} as const;

export const COMMAND = '/pls';

/** Every input of the modals: the block id and action id a submission's state is read back by. */
export const INPUTS = {
  reason: { block: 'reason', action: 'reason_select' },
  note: { block: 'note', action: 'note_input' },
  outcome: { block: 'outcome', action: 'outcome_select' },
  amount: { block: 'amount', action: 'amount_input' },
  objections: { block: 'objections', action: 'objections_input' },
  selfServe: { block: 'self_serve', action: 'self_serve_input' },
  duration: { block: 'duration', action: 'duration_select' },
  rep: { block: 'rep', action: 'rep_select' },
} as const;

export type Input = (typeof INPUTS)[keyof typeof INPUTS];
