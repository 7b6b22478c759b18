import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { StorageError } from '../../db/store.js';
import { UserError } from '../../services/user-error.js';

export const GENERIC_FAILURE = 'Something went wrong on our side and nothing changed. Try again in a moment.';
export const STORAGE_UNAVAILABLE =
  'pls cannot reach its database right now, so nothing changed. Try again in a minute; your team’s admin has been told in the logs.';

/**
 * What to tell a person about a listener's error: a UserError's own words; the database being
 * unreachable as that (logged as a warning: the outage is logged where it is found); anything
 * else is logged (with `context`) and answered generically.
 */
export function replyOf(
  error: unknown,
  logger: Logger,
  context: Record<string, unknown>,
  what: string,
): string {
  if (error instanceof UserError) return error.message;
  if (error instanceof StorageError) {
    logger.warn({ err: error, ...context }, `${what}: the database is unavailable`);
    return STORAGE_UNAVAILABLE;
  }
  logger.error({ err: error, ...context }, what);
  return GENERIC_FAILURE;
}

/**
 * The one place listener errors are handled: a UserError is told to the person who clicked
 * (ephemeral in the channel, else a DM); anything else is logged and answered generically.
 */
export async function answer(
  where: { client: WebClient; logger: Logger; channel: string | undefined; user: string },
  work: () => Promise<void> | void,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    await tell(where, replyOf(error, where.logger, { user: where.user }, 'listener failed'));
  }
}

async function tell(
  where: { client: WebClient; logger: Logger; channel: string | undefined; user: string },
  text: string,
) {
  try {
    if (where.channel)
      await where.client.chat.postEphemeral({ channel: where.channel, user: where.user, text });
    else await where.client.chat.postMessage({ channel: where.user, text });
  } catch (error) {
    where.logger.warn({ err: error, user: where.user }, 'could not tell the user');
  }
}
