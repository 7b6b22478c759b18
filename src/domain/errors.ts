/**
 * Every error pls raises on purpose, by code, in one table (as slackapi/bolt-js's `src/errors.ts`
 * does). Callers and tests tell errors apart by `code`; the message is for people and may be
 * reworded. An error without a code is a bug: logged with its context and answered generically.
 * Where each kind is answered: a person in Slack by `replyOf` (src/slack/listeners/answer.ts), a
 * producer over HTTP by the ingest router, an operator by the command-line tool or at start-up.
 */
export const ErrorCode = {
  // ── Said to a person in Slack (`UserError`): nothing changed, and why ──
  /** The alert a button or modal names is not there (erased, or never was). */
  AlertNotFound: 'alert_not_found',
  /** The alert is not in a state that allows this (already closed, not claimed by you…). */
  AlertRefused: 'alert_refused',
  /** Someone else holds the alert. */
  AlertTaken: 'alert_taken',
  /** The alert changed between reading and writing it: look again. */
  AlertChanged: 'alert_changed',
  /** A snooze that cannot be: already snoozed, past its SLA, or not snoozed to end. */
  SnoozeRefused: 'snooze_refused',
  /** Only managers (or only manifest reps) may do this. */
  NotPermitted: 'not_permitted',
  /** The person named is not a rep of the manifest. */
  NotARep: 'not_a_rep',
  /** No account has that id or domain. */
  AccountNotFound: 'account_not_found',
  /** A domain several accounts share: the id is needed. */
  AccountAmbiguous: 'account_ambiguous',
  /** The account has no open alert (of that play) to act on. */
  NoOpenAlert: 'no_open_alert',
  /** The account has open alerts in several plays: the play must be named. */
  PlayAmbiguous: 'play_ambiguous',
  /** A word that is not a play of the manifest. */
  UnknownPlay: 'unknown_play',
  /** A command argument that is no filter, period or option the command takes. */
  CommandUsage: 'command_usage',
  /** A `/pls` subcommand that does not exist, or that the person may not run. */
  UnknownCommand: 'unknown_command',
  /** A button or modal whose value is not one pls made. */
  BadPayload: 'bad_payload',

  // ── Said to a producer over HTTP (`HttpError`), by status ──
  RequestInvalid: 'request_invalid',
  RequestUnauthenticated: 'request_unauthenticated',
  RequestTooLarge: 'request_too_large',
  RequestUnsupported: 'request_unsupported',
  ClientClosed: 'client_closed',

  // ── Said to the operator: configuration, command-line tools, data lifecycle ──
  // (`npm run forget`'s codes — `ambiguous_account`, `locked`, `unreachable`… — predate this
  // table and are kept as they were: scripts may read them. `account_ambiguous` above is Slack's.)
  ConfigInvalid: 'config_invalid',
  DurationInvalid: 'duration_invalid',
  UsageInvalid: 'usage_invalid',
  HistoryUnreadable: 'history_unreadable',
  CopyFailed: 'copy_failed',
  AmbiguousAccount: 'ambiguous_account',
  NotADomain: 'not_a_domain',
  NoDatabase: 'no_database',
  NotAPlsDatabase: 'not_a_pls_database',
  NewerSchema: 'newer_schema',
  DatabaseLocked: 'locked',
  DatabaseUnreachable: 'unreachable',

  // ── Runtime: storage and the CRM, retried or waited out ──
  StorageUnavailable: 'storage_unavailable',
  ChangedMeanwhile: 'changed_meanwhile',
  CrmThrottled: 'crm_throttled',
  CrmUnavailable: 'crm_unavailable',
  CrmUnauthorised: 'crm_unauthorised',
  CrmRejected: 'crm_rejected',
  CrmMissing: 'crm_missing',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error pls raised on purpose: its `code` says which, from `ErrorCode`. */
export interface CodedError extends Error {
  readonly code: ErrorCode;
}
