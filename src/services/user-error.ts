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
