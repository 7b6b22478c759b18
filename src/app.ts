import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Env } from './config/env.js';
import type { Manifest } from './config/manifest.js';
import { createAccountsRepo } from './db/accounts-repo.js';
import { createAlertsRepo } from './db/alerts-repo.js';
import type { Db } from './db/client.js';
import { createEventStore } from './db/event-store.js';
import { createOutboxRepo } from './db/outbox-repo.js';
import { sendJson } from './ingest/http-error.js';
import { createRouter } from './ingest/ingest-router.js';
import { createSegmentRoutes } from './ingest/segment-routes.js';
import { createWebhookRoute } from './ingest/webhook-route.js';
import { boltLogger } from './obs/bolt-logger.js';
import { startScheduler } from './scheduler.js';
import { createAccountViews } from './services/account-view.js';
import { createAlertActions } from './services/alert-actions.js';
import { createAlertCards } from './services/alert-card.js';
import { createHomeViews } from './services/home.js';
import { createEventProcessor } from './services/process-events.js';
import { createProcessingLoop } from './services/processing-loop.js';
import { createQueueService } from './services/queue.js';
import { createSlaSweep } from './services/sla-sweep.js';
import { registerListeners } from './slack/listeners/index.js';
import { createOutboxSender } from './slack/outbox-sender.js';

export interface AppDeps {
  env: Env;
  manifest: Manifest;
  db: Db;
  logger: Logger;
  now?: () => number;
  /** Outbox retry base delay (tests shorten it). */
  retryBaseMs?: number;
}

/**
 * Builds pls: Bolt and its listeners, the ingest routes, the processing loop and the outbox
 * sender. Never reads the environment and never listens: main.ts (or a test) does that.
 */
export function buildApp(deps: AppDeps) {
  const { env, manifest, db, logger } = deps;
  const now = deps.now ?? Date.now;
  const slackApiUrl = env.slackApiUrl;

  const accounts = createAccountsRepo(db);
  const alerts = createAlertsRepo(db);
  const outbox = createOutboxRepo(db);
  const store = createEventStore(db);
  const cards = createAlertCards({ accounts, manifest });
  const queue = createQueueService({ alerts, accounts, manifest });
  const homes = createHomeViews({ alerts, queue, manifest });
  const accountViews = createAccountViews({ accounts, alerts, manifest });

  // Outbox calls get their own client: no hidden retries (the outbox retries), and a 429 here
  // must not pause the interactive calls Bolt's client makes.
  const outboxClient = new WebClient(env.slackBotToken, {
    slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
  const sender = createOutboxSender({
    db,
    client: outboxClient,
    outbox,
    alerts,
    cards,
    homes,
    logger,
    now,
    retryBaseMs: deps.retryBaseMs,
  });
  const processor = createEventProcessor({ db, accounts, alerts, outbox, manifest, now });
  const loop = createProcessingLoop({ processor, logger, onProcessed: sender.kick });
  const sla = createSlaSweep({ db, alerts, accounts, outbox, manifest, now });
  const sweep = () => {
    const result = sla.sweep();
    if (
      result.escalations.length + result.firstTouchBreaches + result.backOffPrompts + result.backOffClosed >
      0
    ) {
      logger.info(result, 'sla sweep acted');
      sender.kick();
    }
  };
  let scheduler: { stop(): void } | null = null;

  const receiver = env.slackAppToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: env.slackSigningSecret!,
        endpoints: '/slack/events',
        logger: boltLogger(logger),
      });
  const app = new App({
    token: env.slackBotToken,
    ...(receiver ? { receiver } : { appToken: env.slackAppToken!, socketMode: true }),
    logger: boltLogger(logger),
    // Interactive calls (views.open, ephemeral replies) retry briefly, never for the default ~30 minutes.
    clientOptions: { slackApiUrl, retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1000 } },
  });
  const actions = createAlertActions({ db, alerts, accounts, outbox, manifest, now });
  registerListeners(app, { actions, queue, accountViews, homes, now, manifest, logger, kick: sender.kick });

  const webhook = createWebhookRoute({ secret: env.webhookSecret, store, now, onStored: loop.kick });
  const segment = createSegmentRoutes({ writeKey: env.writeKey, store, now, onStored: loop.kick });
  const router = createRouter(
    {
      'POST /webhooks/usage': webhook,
      'POST /v1/track': segment.track,
      'POST /v1/identify': segment.identify,
      'POST /v1/group': segment.group,
      'POST /v1/page': segment.page,
      'POST /v1/screen': segment.screen,
      'POST /v1/batch': segment.batch,
      'GET /healthz': (_req, res) => sendJson(res, 200, { ok: true }),
    },
    logger,
  );

  return {
    bolt: app,
    /** The HTTP entry point: pls's routes first, then Slack's (HTTP mode), else 404. */
    handle(req: IncomingMessage, res: ServerResponse): void {
      if (router.handle(req, res)) return;
      if (receiver && req.url?.startsWith('/slack/')) {
        receiver.requestListener(req, res);
        return;
      }
      sendJson(res, 404, { error: `no route for ${req.method} ${req.url?.split('?')[0]}` });
    },
    /** Resumes work a previous run left: pending events, unsent Slack calls; connects Socket Mode. */
    async start(): Promise<void> {
      if (!receiver) await app.start();
      loop.kick();
      sweep(); // steps that fell due while pls was down fire now, in order
      sender.kick();
      scheduler = startScheduler(manifest.sla.sweep_every, sweep, logger);
    },
    async stop(): Promise<void> {
      scheduler?.stop();
      loop.stop();
      await sender.stop();
      if (!receiver) await app.stop();
    },
    /** For tests and tools: run processing now and wait for the outbox to drain once. */
    internals: { processor, sender, loop, alerts, accounts, outbox, sweep },
  };
}

export type PlsApp = ReturnType<typeof buildApp>;
