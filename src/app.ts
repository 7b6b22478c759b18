import { App, HTTPReceiver } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { createCalibrationRunner } from './calibration/calibration-runner.js';
import type { Env } from './config/env.js';
import type { WebhookEndpoint } from './config/webhooks.js';
import type { Scoring, ScoringTurn, Storage } from './db/storage.js';
import type { Manifest } from './domain/definition.js';
import { createHttpEntry } from './ingest/http-entry.js';
import { createRouter } from './ingest/ingest-router.js';
import { createOperatorRoutes } from './ingest/operator-routes.js';
import { createSegmentRoutes } from './ingest/segment-routes.js';
import { createWebhookRoute } from './ingest/webhook-route.js';
import { startHubSpot } from './integrations/start-hubspot.js';
import { createWebhookSender } from './integrations/webhook-sender.js';
import { boltLogger } from './obs/bolt-logger.js';
import { createMetrics } from './obs/metrics.js';
import { type Clock, createClock } from './runtime/clock.js';
import { createAccountViews } from './services/account-view.js';
import { createAlertActions } from './services/alert-actions.js';
import { createAlertCards } from './services/alert-card.js';
import { createHomeViews } from './services/home.js';
import { createQueueService } from './services/queue.js';
import { createRetention } from './services/retention.js';
import { startScheduler } from './services/scheduler.js';
import { createSlaReports } from './services/sla-report-service.js';
import { createSlaSweep } from './services/sla-sweep.js';
import { createSweeper } from './services/sweep.js';
import { createBotAuthorize } from './slack/bot-identity.js';
import { registerListeners } from './slack/listeners/index.js';
import { createOutboxSender } from './slack/outbox-sender.js';
import { createSlackHealth } from './slack/startup-check.js';

export interface AppDeps {
  env: Env;
  manifest: Manifest;
  /** The manifest's outbound webhooks with their secrets (src/config/webhooks.ts). */
  webhooks: readonly WebhookEndpoint[];
  /** The database, opened whole by its adapter (src/db/storage.ts); the caller closes it. */
  storage: Storage;
  logger: Logger;
  /** Tests pass one they can move forward. */
  clock?: Clock;
  /** Outbox retry base delay (tests shorten it). */
  retryBaseMs?: number;
  /** Outbound webhooks' retry schedule (tests shorten it). */
  webhookBackoffMs?: readonly number[];
}

/**
 * Builds pls: Bolt and its listeners, the ingest routes, the scoring thread (started by
 * `start`) and the outbox sender. Never reads the environment and never listens: main.ts (or a test) does that.
 */
export function buildApp(deps: AppDeps) {
  const { env, manifest, storage, logger } = deps;
  const { store: units } = storage;
  const clock = deps.clock ?? createClock();
  const now = clock.now;
  const slackApiUrl = env.slackApiUrl;

  // Whatever queues a Slack call wakes the sender once its unit of work commits.
  const wakeSender = () => sender.kick();
  const wakeWebhooks = () => webhookSender.kick();
  const {
    accounts,
    alerts,
    outbox,
    events,
    slaReport,
    deliveries,
    crm: crmRepo,
  } = storage.repositories({
    onQueued: () => units.afterCommit(wakeSender),
    onDeliveryQueued: () => units.afterCommit(wakeWebhooks),
  });
  const store = storage.eventLog(now);
  const cards = createAlertCards({ accounts, alerts, manifest, store: units });
  const queue = createQueueService({ alerts, accounts, manifest, store: units });
  const homes = createHomeViews({ alerts, queue, manifest, store: units });
  const accountViews = createAccountViews({ accounts, alerts, manifest, store: units });

  // Outbox calls get their own client: no hidden retries (the outbox retries), and a 429 here
  // must not pause the interactive calls Bolt's client makes.
  const outboxClient = new WebClient(env.slackBotToken, {
    slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // A hung connection must not stall the drain: give up on a call after 10 s and retry it.
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
  const sender = createOutboxSender({
    store: units,
    client: outboxClient,
    outbox,
    alerts,
    cards,
    homes,
    logger,
    now,
    managers: manifest.routing.managers,
    escalationChannel: manifest.routing.escalation_channel,
    onError: (method, error, permanent) =>
      metrics.slackErrors.inc({ method, error, permanent: String(permanent) }),
    retryBaseMs: deps.retryBaseMs,
  });
  const metrics = createMetrics({
    outbox: () => units.read(() => outbox.depth()),
    webhooks: () => units.read(() => deliveries.depth()),
    now,
  });
  const hubspot = startHubSpot({
    env,
    manifest,
    store: units,
    repo: crmRepo,
    alerts,
    accounts,
    outbox,
    slack: outboxClient,
    logger,
    now,
  });
  // Outbound webhooks: a queue, a sender and retries of their own, never in Slack's way.
  const webhookSender = createWebhookSender({
    store: units,
    deliveries,
    endpoints: deps.webhooks,
    targets: hubspot ? [hubspot.sync.target] : [],
    logger,
    now,
    backoffMs: deps.webhookBackoffMs,
    onDelivery: (target, type, outcome) => metrics.webhookDeliveries.inc({ target, type, outcome }),
  });
  let scoring: Scoring | null = null;
  const onTurn = (turn: ScoringTurn) => {
    for (const q of turn.quarantined) logger.error(q, 'event could not be processed: set aside');
    for (const tier of turn.opened) metrics.alertsOpened.inc({ tier });
    // Most turns queue nothing (scoring turns come hundreds a second): the sender is not woken for them.
    if (turn.queued > 0) sender.kick();
    if (turn.deliveries > 0) webhookSender.kick();
    if (hubspot && turn.accounts) hubspot.scored(turn.accounts);
  };
  // A thread that died may have committed outbox rows it never reported: have the sender look.
  const onLost = () => sender.kick();
  // What the services that change alerts share (src/services/alert-routing.ts, AlertServiceDeps).
  const alertServices = {
    alerts,
    accounts,
    outbox,
    deliveries,
    crmWriteBack: hubspot !== null,
    manifest,
    now,
    store: units,
  };
  const sla = createSlaSweep(alertServices);
  const slackHealth = createSlackHealth({
    client: outboxClient,
    manifest,
    store: units,
    outbox,
    logger,
    now,
    onProblem: (error) => metrics.slackErrors.inc({ method: 'startup_check', error, permanent: 'true' }),
  });
  let unwatchOutbox = () => {};
  let scheduler: { stop(): void } | null = null;

  const receiver = env.slackAppToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: env.slackSigningSecret!,
        endpoints: '/slack/events',
        logger: boltLogger(logger),
      });
  const app = new App({
    authorize: createBotAuthorize(outboxClient, env.slackBotToken),
    ...(receiver ? { receiver } : { appToken: env.slackAppToken!, socketMode: true }),
    logger: boltLogger(logger),
    // Interactive calls (views.open, ephemeral replies) retry briefly, never for the default ~30 minutes.
    clientOptions: { slackApiUrl, retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1000 } },
  });
  const actions = createAlertActions(alertServices);
  const retention = createRetention({
    store: units,
    events,
    deliveries,
    retention: manifest.retention,
    logger,
    now,
  });
  const { sweep, sweepIfIdle } = createSweeper({
    sla,
    actions,
    retention,
    recheckSlack: () => slackHealth.recheck(),
    kickScoring: () => scoring?.kick(),
    metrics,
    logger,
    now,
  });
  const slaReports = createSlaReports({ query: slaReport, manifest, store: units });
  const calibration = createCalibrationRunner({ database: env.database, manifest, now });
  registerListeners(app, {
    actions,
    cards,
    queue,
    accountViews,
    homes,
    slaReports,
    calibration,
    now,
    manifest,
    logger,
  });

  const onStored = (source: string, result: { accepted: number; duplicates: number; rejected?: number }) => {
    metrics.events.inc({ source, result: 'accepted' }, result.accepted);
    metrics.events.inc({ source, result: 'duplicate' }, result.duplicates);
    metrics.events.inc({ source, result: 'rejected' }, result.rejected ?? 0);
    if (result.accepted > 0) scoring?.kick();
  };
  const operator = createOperatorRoutes({
    storageHealth: () => storage.health(),
    slackHealth: () => slackHealth.current(),
    scoringRuns: () => scoring?.running() ?? false,
    metrics,
    metricsToken: env.metricsToken,
  });
  const webhook = createWebhookRoute({ secret: env.webhookSecret, store, onStored });
  const segment = createSegmentRoutes({ writeKey: env.writeKey, store, now, onStored });
  const router = createRouter(
    {
      'POST /webhooks/usage': webhook,
      'POST /v1/track': segment.track,
      'POST /v1/identify': segment.identify,
      'POST /v1/group': segment.group,
      'POST /v1/page': segment.page,
      'POST /v1/screen': segment.screen,
      'POST /v1/batch': segment.batch,
      'GET /healthz': operator.healthz,
      'GET /readyz': operator.readyz,
      'GET /metrics': operator.metrics,
    },
    logger,
    (route, status, seconds) => {
      if (route.startsWith('/webhooks/') || route.startsWith('/v1/')) {
        metrics.ingestSeconds.observe({ route, status: String(status) }, seconds);
        if (status >= 400)
          metrics.events.inc({
            source: route.startsWith('/v1/') ? 'segment' : 'webhook',
            result: 'rejected',
          });
      }
    },
    (route, reason) => metrics.requestsRefused.inc({ route, reason }),
  );

  return {
    bolt: app,
    /** The HTTP entry point: pls's routes first, then Slack's (HTTP mode), else 404. */
    handle: createHttpEntry({
      routes: router,
      slack: receiver ? { path: '/slack/events', listener: receiver.requestListener } : null,
      metrics,
      logger,
    }),
    /** Resumes work a previous run left: pending events, unsent Slack calls; connects Socket Mode. */
    async start(): Promise<void> {
      if (!receiver) await app.start();
      // The thread scores what a previous run left pending as it starts.
      scoring = storage.startScoring({
        config: { env, manifest, webhooks: deps.webhooks },
        clock,
        logger,
        onTurn,
        onLost,
      });
      // Steps that fell due while pls was down fire now, in order.
      void sweep().catch((error: unknown) => logger.error({ err: error }, 'sla sweep failed'));
      sender.kick();
      hubspot?.start();
      webhookSender.start();
      unwatchOutbox = storage.watchOutbox(() => sender.kick());
      scheduler = startScheduler(manifest.sla.sweep_every, sweepIfIdle, logger);
      slackHealth.start();
    },
    async stop(): Promise<void> {
      retention.stop();
      scheduler?.stop();
      unwatchOutbox();
      await scoring?.stop();
      await sender.stop();
      await webhookSender.stop();
      await hubspot?.stop();
      if (!receiver) await app.stop();
    },
    /** For tests and tools: the store and repositories, the sender, one sweep, the metrics, scoring. */
    internals: {
      store: units,
      sender,
      webhookSender,
      alerts,
      accounts,
      outbox,
      deliveries,
      hubspot,
      sweep,
      metrics,
      scoring: () => scoring,
    },
  };
}

export type PlsApp = ReturnType<typeof buildApp>;
