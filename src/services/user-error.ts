import type { CodedError, ErrorCode } from '../domain/errors.js';
import { escapeMrkdwn, truncate } from '../domain/slack-text.js';

/**
 * An error the person in Slack should read (ephemerally), meaning "nothing changed, here is
 * why", with its code (src/domain/errors.ts). Anything else is a bug: logged with context,
 * answered generically.
 */
export class UserError extends Error implements CodedError {
  override name = 'UserError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A UserError worded with values from outside (command text, account names): each value is
 * escaped and bounded (500 characters each), so `<!channel>` typed into a command comes back as
 * text, never a ping.
 */
export function userError(code: ErrorCode) {
  return (strings: TemplateStringsArray, ...values: unknown[]): UserError =>
    new UserError(
      code,
      String.raw({ raw: strings }, ...values.map((value) => escapeMrkdwn(truncate(String(value), 500)))),
    );
}
