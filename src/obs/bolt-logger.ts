import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';

/**
 * Bolt logs through pino, so its lines are JSON with the app's fields. Bolt's messages arrive as
 * text, so pino's path-based redaction does not apply to them; Bolt does not log tokens.
 */
/**
 * Bolt's warnings about a request someone sent wrong (unsigned or stale, unreadable, too large):
 * anyone can send those at will, so they are info — counted by the app (`pls_requests_refused_total`),
 * never a flood of warnings.
 */
const REFUSED_REQUEST =
  /^(Failed to parse and verify the request data|Failed to parse the request body|Request body exceeded)/;

export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => {
      const line = text(msg);
      if (REFUSED_REQUEST.test(line)) child.info(line);
      else child.warn(line);
    },
    error: (...msg) => child.error(text(msg)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
