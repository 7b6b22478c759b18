import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import type { Tier } from '../domain/definition.js';
import type { UsageEvent } from '../domain/usage-event.js';
import type { Clock } from '../runtime/clock.js';
import type { AccountsRepo } from './accounts-repo.js';
import type { AlertsRepo } from './alerts-repo.js';
import type { CrmRepo } from './crm-repo.js';
import type { DailyTicksRepo } from './daily-ticks-repo.js';
import type { PendingEvents, StoreResult } from './event-store.js';
import type { OutboxRepo } from './outbox-repo.js';
import type { SlaReportQuery } from './sla-report-query.js';
import type { Store } from './store.js';
import type { WebhookDeliveriesRepo } from './webhook-deliveries-repo.js';

/**
 * What the app gets from its database, whatever the engine: the store port (units of work and
 * reads), the repositories it reads and writes through, ingest's event log, the scoring loop and
 * health. The SQLite adapter (src/db/sqlite/sqlite-storage.ts) and the Postgres one
 * (src/db/postgres/pg-storage.ts) build it; nothing outside src/db sees a connection, a driver,
 * a write turn or an fsync.
 */
export interface Storage {
  store: Store;
  /**
   * The repositories, each method asynchronous and called only inside one of the store's units
   * or reads (the SQLite adapter refuses a call outside: it would see another unit's half-done
   * writes). `onQueued` is called for every outbox row queued, inside the unit that queues it.
   */
  repositories(options?: RepositoryOptions): Repositories;
  /** Ingest's side of the event log: stores a request's events, resolving once they are durable. */
  eventLog(now: () => number): EventLog;
  /**
   * Starts scoring pending events (each turn one unit of work of the event processor,
   * src/services/process-events.ts), wherever the engine runs it best; `kick` after events are
   * stored.
   */
  startScoring(deps: ScoringDeps): Scoring;
  /**
   * For GET /readyz: the database answers, every migration is applied, and storing has not
   * failed — and, when one of them is false, why, in words an operator can act on.
   */
  health(): StorageHealth;
  /**
   * Calls `wake` whenever other instances may have left this one outbox rows to send (the
   * unsent rows of an instance that died, a Slack pause that ended): on Postgres every few
   * seconds and when the instance connection comes back; never on SQLite, which one instance
   * uses. Returns the function that stops it.
   */
  watchOutbox(wake: () => void): () => void;
  /** Waits for the writes under way and closes the database. */
  close(): Promise<void>;
}

export interface StorageHealth {
  checks: { database: boolean; migrations: boolean; storage: boolean };
  problems: string[];
}

export interface Repositories {
  accounts: AccountsRepo;
  alerts: AlertsRepo;
  outbox: OutboxRepo;
  events: PendingEvents;
  slaReport: SlaReportQuery;
  deliveries: WebhookDeliveriesRepo;
  crm: CrmRepo;
  ticks: DailyTicksRepo;
}

export interface RepositoryOptions {
  /** Called for every outbox row queued, inside the unit that queues it (the Slack sender's wake-up). */
  onQueued?: () => void;
  /** The same for every webhook delivery queued (the webhook sender's wake-up). */
  onDeliveryQueued?: () => void;
}

export interface EventLog {
  commit(batch: UsageEvent[]): Promise<StoreResult>;
}

/** What one scoring turn did, once it committed. */
export interface ScoringTurn {
  /** The tier of each alert the turn opened. */
  opened: Tier[];
  /** Outbox rows the turn queued. */
  queued: number;
  /** Webhook deliveries the turn queued. */
  deliveries: number;
  /** The accounts the turn scored, when HubSpot is on (owner lookups and score write-back follow them). */
  accounts?: string[];
  quarantined: { eventId: string; error: string }[];
}

export interface ScoringDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  onTurn: (turn: ScoringTurn) => void;
  /** Scoring stopped unasked (and is started again): it may have committed a turn it never reported. */
  onLost: () => void;
}

export interface Scoring {
  /** Events were stored: score them with whatever else arrives in the next few ms. */
  kick(): void;
  /** Whether scoring runs (false while it waits to be started again): /readyz. */
  running(): boolean;
  /** Lets the turn under way commit, then stops. */
  stop(): Promise<void>;
  /** Ends scoring the way a fault would, mid-turn or not (tests of the restart). */
  crash(): Promise<void>;
}
