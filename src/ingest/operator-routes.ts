import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageHealth } from '../db/storage.js';
import { bearerMatches } from '../obs/bearer-token.js';
import type { Metrics } from '../obs/metrics.js';
import { HttpError, sendJson } from './http-error.js';

/** What Slack's health check last found (src/slack/startup-check.ts); null before the first. */
interface SlackHealthNow {
  auth: boolean;
  problems: readonly { text: string }[];
}

/**
 * The operator's endpoints: `GET /healthz` (the process answers), `GET /readyz` (it can do its
 * job: database, migrations, storage and Slack's auth; why not, in words) and `GET /metrics`
 * (Prometheus, behind `PLS_METRICS_TOKEN` when set).
 */
export function createOperatorRoutes(deps: {
  storageHealth: () => StorageHealth;
  slackHealth: () => SlackHealthNow | null;
  /** Whether the scoring loop runs: reported, not counted against readiness. */
  scoringRuns: () => boolean;
  metrics: Metrics;
  metricsToken: string | null;
}) {
  return {
    healthz(_req: IncomingMessage, res: ServerResponse): void {
      sendJson(res, 200, { ok: true });
    },
    readyz(_req: IncomingMessage, res: ServerResponse): void {
      const storage = deps.storageHealth();
      const slack = deps.slackHealth();
      const checks = { ...storage.checks, slackAuth: slack?.auth ?? false };
      const ready = Object.values(checks).every(Boolean);
      // Reported, not counted against readiness: ingest still stores while the thread is
      // started again, and a load balancer taking pls out would lose that too.
      sendJson(res, ready ? 200 : 503, {
        ready,
        checks: { ...checks, scoring: deps.scoringRuns() },
        slackProblems: slack?.problems.map((p) => p.text) ?? ['not checked yet'],
        storageProblems: storage.problems,
      });
    },
    async metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (deps.metricsToken !== null && !bearerMatches(req.headers.authorization, deps.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer realm="pls metrics"');
        throw new HttpError(401, 'GET /metrics needs Authorization: Bearer <PLS_METRICS_TOKEN>');
      }
      const body = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(body);
    },
  };
}
