import { escapeMrkdwn, truncate } from '../domain/slack-text.js';

/**
 * An error the person in Slack should read (ephemerally), meaning "nothing changed, here is
 * why". Anything else is a bug: logged with context, answered generically.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A UserError worded with values from outside (command text, account names): each value is
 * escaped and bounded (500 characters each), so `<!channel>` typed into a command comes back as
 * text, never a ping.
 */
export function userError(strings: TemplateStringsArray, ...values: unknown[]): UserError {
  return new UserError(
    String.raw({ raw: strings }, ...values.map((value) => escapeMrkdwn(truncate(String(value), 500)))),
  );
}
