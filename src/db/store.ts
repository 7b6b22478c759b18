import { type CodedError, ErrorCode } from '../domain/errors.js';
/**
 * The store port: how services, listeners and tools write and read pls's state without knowing
 * the engine. A write is a *unit of work* — one transaction — and says whether it acknowledges
 * something to the outside; the engine's adapter decides how to keep that promise (SQLite,
 * src/db/sqlite/sqlite-store.ts: one unit at a time on the main thread's write turn, committed
 * without an fsync inside COMMIT, then a shared fdatasync of the WAL for durable units;
 * Postgres, src/db/postgres/pg-store.ts: a transaction on a pooled connection of its own, units
 * side by side, durable when COMMIT returns).
 *
 * Repositories (`Repositories` in src/db/storage.ts) are asynchronous and are called only inside a unit or a
 * read: the unit's calls are its transaction. A unit awaits only the store while it is open — it
 * calls Slack, HubSpot or a timer after it resolves (the outbox and its after-commit wake-up are
 * how a unit asks for a Slack call) — because an engine may hold the one writer meanwhile.
 */

/** What a unit of work may ask of the store besides its reads and writes. */
export interface Unit {
  /**
   * Runs `hook` once the unit has committed, never if it rolls back: wake-ups (the outbox
   * sender), metrics. The same function registered twice runs once.
   */
  afterCommit(hook: () => void): void;
  /**
   * Runs `work` in a savepoint of the unit: a throw rolls back only its writes (and is
   * rethrown); the unit goes on.
   */
  savepoint<T>(work: () => T | Promise<T>): Promise<T>;
  /** Whether the unit's transaction is still open: some storage failures end it whole. */
  active(): boolean;
}

export interface UnitOptions {
  /**
   * The unit acknowledges something to the outside — an ingest 202, the answer to a click, a
   * Slack post about to be sent — so it resolves only once its commit is on disk. Writes derived
   * from ones already durable (scoring state, a Slack call's recorded answer, the SLA sweep's
   * steps, which reach Slack only through the outbox sender's own wait) may skip the wait.
   */
  durable: boolean;
}

export interface Store {
  /**
   * Runs `work` as one unit of work (one transaction) and resolves with its result once it has
   * committed. A unit started inside another is a savepoint of it.
   */
  unit<T>(work: (unit: Unit) => T | Promise<T>, options: UnitOptions): Promise<T>;
  /** Reads outside any unit: they see only committed state. Inside a unit, the unit's own. */
  read<T>(work: () => T | Promise<T>): Promise<T>;
  /**
   * Registers `hook` on the unit under way, or runs it at once outside a unit: for
   * repositories that cause a wake-up (the outbox's `enqueue`), without threading the unit
   * through every call.
   */
  afterCommit(hook: () => void): void;
  /**
   * Resolves once everything committed so far is on disk, whoever committed it: the outbox
   * sender waits for it before telling Slack what derived units wrote.
   */
  durable(): Promise<void>;
  /**
   * Whether `error` is the storage failing (locked, full, I/O, unreachable) rather than a
   * statement's fault: no row is to blame, and trying again later can succeed.
   */
  isStorageFailure(error: unknown): boolean;
  /**
   * Holds `key` for this instance alone until the returned release is called or the instance
   * dies (on Postgres, its connection ends with it): null while another holder has it. The
   * outbox sender leases an alert while it sends one of its rows, so no two instances send
   * an alert's messages at once or out of order, and a dead sender's lease passes on.
   */
  lease(key: string): Promise<(() => Promise<void>) | null>;
}

/**
 * The database could not take or keep a write (SQLite's event log failed to sync or its writer
 * stayed busy; Postgres is unreachable, failing over or out of connections): what a request
 * sent may or may not be kept; sending it again is safe. Ingest answers 503 with Retry-After.
 */
export class StorageError extends Error implements CodedError {
  readonly code = ErrorCode.StorageUnavailable;
}

/**
 * A compare-and-set found the row moved on since it was read (another click, sweep, sender or
 * processor got there first): thrown inside a unit or savepoint to roll back what it did, and
 * caught by whoever knows that nothing is wrong, only taken.
 */
export class ChangedMeanwhile extends Error implements CodedError {
  readonly code = ErrorCode.ChangedMeanwhile;
  constructor(what = 'the row changed since it was read') {
    super(what);
  }
}
