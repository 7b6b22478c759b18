import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The app's Prometheus metrics, on a registry of its own (several apps can live in one test
 * process). Served at GET /metrics.
 */
export function createMetrics(sample: {
  outbox: () => Promise<{ pending: number; oldest: number | null }>;
  webhooks: () => Promise<number>;
  now: () => number;
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pls_' });

  const events = new Counter({
    name: 'pls_events_total',
    help: 'Events received, by source and result (accepted, duplicate, rejected)',
    labelNames: ['source', 'result'] as const,
    registers: [registry],
  });
  const ingestSeconds = new Histogram({
    name: 'pls_ingest_duration_seconds',
    help: 'Ingest request latency, body read to response',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const requestsRefused = new Counter({
    name: 'pls_requests_refused_total',
    help: 'Requests refused before they changed anything, by route and reason (malformed, unauthorised, too_large, unsupported, method, client_closed: the client hung up mid-upload); logged at debug or info, never as errors',
    labelNames: ['route', 'reason'] as const,
    registers: [registry],
  });
  const alertsOpened = new Counter({
    name: 'pls_alerts_opened_total',
    help: 'Alerts raised, by tier',
    labelNames: ['tier'] as const,
    registers: [registry],
  });
  const slackErrors = new Counter({
    name: 'pls_slack_errors_total',
    help: 'Slack Web API errors, by method and error',
    labelNames: ['method', 'error', 'permanent'] as const,
    registers: [registry],
  });
  const slaBreaches = new Counter({
    name: 'pls_sla_breaches_total',
    help: 'SLA breaches: claim (escalated at 100 %) and first touch',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const escalations = new Counter({
    name: 'pls_escalations_total',
    help: 'Escalation steps fired, by step',
    labelNames: ['step'] as const,
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'pls_webhook_deliveries_total',
    help: 'Outbound webhook and CRM write-back attempts, by target (webhook, hubspot), event type and outcome (sent, retry, throttled, failed: given up for good)',
    labelNames: ['target', 'type', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'pls_webhook_queue_depth',
    help: 'Outbound webhook deliveries waiting to be sent',
    registers: [registry],
    async collect() {
      this.set(await sample.webhooks());
    },
  });
  new Gauge({
    name: 'pls_outbox_depth',
    help: 'Slack calls waiting to be sent',
    registers: [registry],
    async collect() {
      this.set((await sample.outbox()).pending);
    },
  });
  new Gauge({
    name: 'pls_outbox_oldest_age_seconds',
    help: 'Age of the oldest unsent Slack call (0 when none)',
    registers: [registry],
    async collect() {
      const { oldest } = await sample.outbox();
      this.set(oldest === null ? 0 : Math.max(0, (sample.now() - oldest) / 1000));
    },
  });

  return {
    registry,
    events,
    ingestSeconds,
    requestsRefused,
    alertsOpened,
    webhookDeliveries,
    slackErrors,
    slaBreaches,
    escalations,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
