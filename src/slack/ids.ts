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
