import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createEventProcessor, openedTiers, scoredAccounts } from '../../services/process-events.js';
import { createProcessingLoop } from '../../services/processing-loop.js';
import type { Repositories, RepositoryOptions, Scoring, ScoringDeps, Storage } from '../storage.js';
import { StorageError } from '../store.js';
import { createPgAccountsRepo } from './accounts-repo.js';
import { createPgAlertsRepo } from './alerts-repo.js';
import { migratePostgres, openPool, pgMigrationsApplied } from './client.js';
import { createPgCrmRepo } from './crm-repo.js';
import { createPgDailyTicksRepo } from './daily-ticks-repo.js';
import { createPgEventLog, createPgPendingEvents } from './events.js';
import { CHANNELS, openInstanceConnection } from './instance-connection.js';
import { createPgOutboxRepo } from './outbox-repo.js';
import { createPgStore, type PgSession, type PgStore } from './pg-store.js';
import { createPgSlaReportQuery } from './sla-report-query.js';
import { createPgWebhookDeliveriesRepo } from './webhook-deliveries-repo.js';

export interface PgStorage extends Storage {
  store: PgStore;
  pool: pg.Pool;
}

/**
 * How often scoring looks for pending events unasked: ingest on this instance kicks it, and
 * other instances' ingest wakes it through NOTIFY; this catches a wake-up lost meanwhile.
 */
const POLL_MS = 5_000;
/**
 * How often the sender looks for rows other instances left (an instance that died mid-send,
 * a pause another instance was told of): the bound on how late such a row goes out.
 */
const OUTBOX_POLL_MS = 2_000;
/**
 * How long a scoring turn may run on Postgres: it holds only its accounts' locks (other
 * instances take other accounts), and BEGIN, COMMIT and the pending read are round trips
 * better spread over more events.
 */
const TURN_BUDGET_MS = 50;
/** The most often an instance wakes the others' processors (ingest's own kicks its own at once). */
const WAKE_OTHERS_MS = 20;
/** How often the health check asks Postgres whether it answers. */
const PING_MS = 5_000;

/**
 * pls's storage on Postgres (`DATABASE_URL=postgres://…`): a pool of `DATABASE_POOL_SIZE`
 * connections, the migrations applied at start (one instance at a time), the store port and the
 * repositories over it. Scoring runs on the event loop (the driver is asynchronous, so a turn's
 * statements never hold it), one turn at a time in this instance.
 */
export async function openPostgresStorage(
  url: string,
  options: { logger: Logger; poolSize: number; pingMs?: number },
): Promise<PgStorage> {
  const { logger } = options;
  const pool = openPool(url, options.poolSize);
  // An idle connection the server dropped (a restart, a failover) is reported here, not thrown.
  pool.on('error', (error) => logger.warn({ err: error }, 'an idle Postgres connection failed'));
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  // Whether Postgres answers: false from the first statement that finds it unreachable, true
  // again from the first health check it answers.
  const health = { database: true, migrations: true, problem: null as string | null };
  const unavailable = (error: StorageError) => {
    if (health.database) logger.error({ err: error }, 'Postgres is unavailable');
    Object.assign(health, { database: false, problem: `${error.message} since ${new Date().toISOString()}` });
  };
  /** What this instance signs its NOTIFYs with, to know its own when they come back. */
  const INSTANCE = randomUUID();
  // What wakes this instance's scoring and sender when another instance left them work.
  const wake = { scoring: () => {}, outbox: new Set<() => void>() };
  const instance = openInstanceConnection(url, {
    logger,
    // Its own NOTIFYs come back to it too: its processor was kicked when it stored the events.
    onNotify: (channel, sender) => {
      if (channel === CHANNELS.events && sender !== INSTANCE) wake.scoring();
    },
    // Back after a gap: whatever was stored or left meanwhile is looked for.
    onConnect: () => {
      wake.scoring();
      for (const outbox of wake.outbox) outbox();
    },
  });
  await instance.connect();
  // Other instances' processors are woken at most every WAKE_OTHERS_MS, by a NOTIFY of its own
  // after ingest's commit: a NOTIFY inside every ingest transaction would serialise their
  // commits on Postgres's notification queue lock (bench: 1,204 against 4,737 req/s bare).
  let wakeQueued = false;
  const wakeOthers = () => {
    if (wakeQueued) return;
    wakeQueued = true;
    setTimeout(() => {
      wakeQueued = false;
      pool.query('select pg_notify($1, $2)', [CHANNELS.events, INSTANCE]).catch(() => undefined);
    }, WAKE_OTHERS_MS).unref();
  };
  const store = createPgStore({
    pool,
    onHookError: (error) => logger.error({ err: error }, 'after-commit hook failed'),
    onUnavailable: unavailable,
    lease: (key) => instance.lease(key),
  });
  const ping = setInterval(() => {
    pgMigrationsApplied(pool).then(
      (applied) => {
        if (!health.database) logger.info('Postgres answers again');
        Object.assign(health, { database: true, migrations: applied, problem: null });
      },
      (error: unknown) =>
        unavailable(
          error instanceof StorageError
            ? error
            : new StorageError(`Postgres did not answer (${errorText(error)})`, { cause: error }),
        ),
    );
  }, options.pingMs ?? PING_MS);
  ping.unref();

  return {
    pool,
    store,
    repositories: (repositoryOptions = {}) => repositoriesOn(store.session, repositoryOptions),
    eventLog: (now) => createPgEventLog(store.session, now, wakeOthers),
    startScoring(deps) {
      const scoring = startScoringLoop(store, deps);
      wake.scoring = scoring.kick;
      return scoring;
    },
    watchOutbox(outbox) {
      wake.outbox.add(outbox);
      const poll = setInterval(outbox, OUTBOX_POLL_MS);
      poll.unref();
      return () => {
        clearInterval(poll);
        wake.outbox.delete(outbox);
      };
    },
    health: () => ({
      checks: { database: health.database, migrations: health.migrations, storage: health.database },
      problems: [
        health.problem,
        health.migrations ? null : 'the database lacks migrations this version ships: start the newer pls',
      ].filter((problem) => problem !== null),
    }),
    async close() {
      clearInterval(ping);
      await instance.close();
      await pool.end();
    },
  };
}

export function repositoriesOn(session: PgSession, options: RepositoryOptions = {}): Repositories {
  return {
    accounts: createPgAccountsRepo(session),
    alerts: createPgAlertsRepo(session),
    outbox: createPgOutboxRepo(session, { onQueued: options.onQueued }),
    events: createPgPendingEvents(session),
    slaReport: createPgSlaReportQuery(session),
    deliveries: createPgWebhookDeliveriesRepo(session, { onQueued: options.onDeliveryQueued }),
    crm: createPgCrmRepo(session),
    ticks: createPgDailyTicksRepo(session),
  };
}

/**
 * The event processor's loop on this thread: kicked by ingest and by other instances' NOTIFY, and looking every 5 s for
 * events another instance stored. `crash` drops the loop as a fault would and starts another.
 */
function startScoringLoop(store: PgStore, deps: ScoringDeps): Scoring {
  const { accounts, alerts, outbox, events, deliveries, crm, ticks } = repositoriesOn(store.session);
  const crmOn = deps.config.env.hubspotToken !== null;
  const processor = createEventProcessor({
    store,
    turnBudgetMs: TURN_BUDGET_MS,
    events,
    accounts,
    alerts,
    outbox,
    deliveries,
    manifest: deps.config.manifest,
    now: deps.clock.now,
    crm: crmOn ? crm : null,
    crmWriteBack: crmOn,
    ticks,
  });
  let queued = outbox.enqueuedSoFar();
  let delivered = deliveries.enqueuedSoFar();
  const newLoop = () =>
    createProcessingLoop({
      processor,
      logger: deps.logger,
      onProcessed(result) {
        const enqueued = outbox.enqueuedSoFar();
        deps.onTurn({
          opened: openedTiers(result),
          queued: enqueued - queued,
          deliveries: deliveries.enqueuedSoFar() - delivered,
          quarantined: result.quarantined ?? [],
          ...(crmOn ? { accounts: scoredAccounts(result) } : {}),
        });
        queued = enqueued;
        delivered = deliveries.enqueuedSoFar();
      },
    });
  let loop = newLoop();
  let stopped = false;
  const poll = setInterval(() => loop.kick(), POLL_MS);
  poll.unref();
  loop.kick(); // events a previous run left pending
  return {
    kick: () => loop.kick(),
    running: () => !stopped,
    async crash() {
      const dropped = loop;
      loop = newLoop();
      void dropped.stop();
      deps.onLost();
      loop.kick();
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      await loop.stop();
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
