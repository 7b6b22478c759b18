import type { WebClient } from '@slack/web-api';

/**
 * Bolt's own single-token authorization calls auth.test in its constructor and keeps the
 * promise: if Slack is unreachable at that moment the rejection is unhandled (a crash on
 * Node 20) and never retried. This remembers only a success, so an outage at start-up delays
 * Slack traffic instead of killing the process.
 */
export function createBotAuthorize(client: WebClient, botToken: string) {
  let identity: Promise<{ botUserId: string; botId: string }> | null = null;
  const lookup = () => {
    identity ??= client.auth.test().then(
      (result) => ({ botUserId: String(result.user_id), botId: String(result.bot_id) }),
      (error: unknown) => {
        identity = null;
        throw error;
      },
    );
    return identity;
  };
  return async () => ({ botToken, ...(await lookup()) });
}
