import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../obs/metrics.js';
import { sendJson } from './http-error.js';

/** Slack's endpoint over HTTP (Bolt's receiver), when pls is not in Socket Mode. */
export interface SlackEndpoint {
  path: string;
  listener: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * The HTTP entry point: pls's own routes first, then Slack's endpoint (HTTP mode), else 404.
 * Only Bolt's own endpoint reaches Bolt: its listener throws synchronously on a request it does
 * not route (an uncaught exception would take the process down), so that is answered 400 here.
 */
export function createHttpEntry(deps: {
  routes: { handle(req: IncomingMessage, res: ServerResponse): boolean };
  slack: SlackEndpoint | null;
  metrics: Metrics;
  logger: Logger;
}) {
  const { routes, slack, metrics, logger } = deps;
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (routes.handle(req, res)) return;
    const path = req.url?.split('?')[0];
    if (slack && req.method === 'POST' && path === slack.path) {
      res.once('finish', () => {
        // Bolt's answers to a request it could not verify or read (its log line is info).
        if (res.statusCode === 401 || res.statusCode === 413) {
          const reason = res.statusCode === 401 ? 'unauthorised' : 'too_large';
          metrics.requestsRefused.inc({ route: slack.path, reason });
        }
      });
      try {
        slack.listener(req, res);
      } catch (error) {
        // Anyone can send this: counted and noted, not an error of ours (no stack to flood the log).
        metrics.requestsRefused.inc({ route: slack.path, reason: 'malformed' });
        logger.info({ reason: (error as Error).message }, 'slack request refused');
        if (!res.headersSent) sendJson(res, 400, { error: 'not a Slack request pls understands' });
      }
      return;
    }
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };
}
