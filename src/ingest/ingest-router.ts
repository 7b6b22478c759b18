import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { StorageError } from '../db/store.js';
import { ClientClosedError, HttpError, type RefusalReason, refusalReason, sendJson } from './http-error.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * Exact-path routing for pls's own endpoints. A guard's HttpError becomes its status and body;
 * storage that failed to sync is a 503; anything else is logged and answered 500, and the
 * process keeps serving. Refusals (a guard's 4xx, a client that hung up mid-upload) are what
 * anyone on the internet can cause at will: they are counted (`refused`) and logged at debug or
 * info without a stack, so they cannot flood the error log.
 */
export function createRouter(
  routes: Record<string, RouteHandler>,
  logger: Logger,
  /** Called once per answered request: metrics. */
  observe: (route: string, status: number, seconds: number) => void = () => {},
  /** Called once per refused request: metrics. */
  refused: (route: string, reason: RefusalReason) => void = () => {},
) {
  return {
    /** Handles the request if it is ours; returns false so the caller can hand it to Bolt. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const [method, path] = [req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/'];
      const route = routes[`${method} ${path}`];
      if (!route) {
        const other = Object.keys(routes).find((key) => key.endsWith(` ${path}`));
        if (!other) return false;
        refused(path, 'method');
        res.setHeader('allow', other.split(' ')[0]!);
        sendJson(res, 405, { error: `use ${other}` });
        return true;
      }
      const requestId = String(req.headers['x-request-id'] ?? randomUUID());
      const started = process.hrtime.bigint();
      res.setHeader('x-request-id', requestId);
      res.once('finish', () =>
        observe(path, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9),
      );
      Promise.resolve()
        .then(() => route(req, res))
        .catch((error: unknown) => {
          if (error instanceof ClientClosedError) {
            refused(path, 'client_closed');
            logger.info({ requestId, path }, error.message);
            return;
          }
          if (res.headersSent) return;
          if (error instanceof HttpError) {
            refused(path, refusalReason(error.status));
            logger.debug({ requestId, path, status: error.status, error: error.message }, 'request refused');
            if (error.status === 413) res.setHeader('connection', 'close');
            sendJson(res, error.status, error.body);
            return;
          }
          logger.error({ err: error, requestId, path }, 'request failed');
          if (error instanceof StorageError) {
            // Committed or not, the events may not survive: the sender should send them again.
            const text =
              'storage failed: these events may not be kept; send them again (redeliveries are not counted twice)';
            res.setHeader('retry-after', String(STORAGE_RETRY_AFTER_S));
            sendJson(res, 503, { error: text, code: error.code, requestId });
            return;
          }
          sendJson(res, 500, { error: 'internal error: nothing was stored, retry later', requestId });
        });
      return true;
    },
  };
}

/**
 * What a 503 asks the sender to wait, in seconds: long enough for a busy SQLite writer to pass
 * or a Postgres failover to finish, short enough that a retrying SDK does not fall far behind.
 */
export const STORAGE_RETRY_AFTER_S = 5;
