import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { UserError } from '../../services/user-error.js';

export const GENERIC_FAILURE = 'Something went wrong on our side and nothing changed. Try again in a moment.';

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
    if (!(error instanceof UserError))
      where.logger.error({ err: error, user: where.user }, 'listener failed');
    await tell(where, error instanceof UserError ? error.message : GENERIC_FAILURE);
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
