import { type Logger, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackEmulator } from '../../tools/emulator/slack-emulator.js';

/** A WebClient logger that says nothing: the emulator tests assert on results, not on logs. */
export const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** The real Slack client pointed at the emulator, without retries or logs. */
export function clientFor(
  emulator: SlackEmulator,
  token = 'xoxb-test',
  options: WebClientOptions = {},
): WebClient {
  return new WebClient(token, {
    slackApiUrl: emulator.url,
    retryConfig: { retries: 0 },
    logger: quiet,
    ...options,
  });
}
