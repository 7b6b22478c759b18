import pg from 'pg';
import type { Logger } from 'pino';
import { QUERY_TIMEOUT_MS } from './client.js';

/** The channels instances wake each other on. */
export const CHANNELS = {
  /** Events were stored: every instance's processor looks for accounts to take. */
  events: 'pls_events',
} as const;

/** How long a lost connection waits before it connects again. */
const RECONNECT_MS = 1_000;
/** The first key of the session-scoped advisory locks behind `lease` (the second: the key's hash). */
const LEASE_SPACE = 0x706c7303;

/**
 * An instance's own connection to Postgres, outside the pool, for what must last as long as
 * the instance: LISTEN for other instances' wake-ups, and the session-scoped advisory locks
 * that lease keys (released when the instance lets go, or by Postgres when the connection ends
 * — when the instance dies). A lost connection is opened again after a second; `onConnect`
 * runs every time it is (up), so the caller can look for what it may have missed meanwhile.
 */
export function openInstanceConnection(
  url: string,
  options: { logger: Logger; onNotify: (channel: string, payload: string) => void; onConnect: () => void },
) {
  const { logger } = options;
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;

  function connect(): Promise<void> {
    connecting ??= (async () => {
      // keepAlive: a connection that died silently is noticed (and its leases known lost) in
      // seconds, not when the kernel's default two hours are up; query_timeout: a lease or an
      // unlock never waits for ever on it.
      const next = new pg.Client({
        connectionString: url,
        application_name: 'pls-instance',
        keepAlive: true,
        keepAliveInitialDelayMillis: 5_000,
        query_timeout: QUERY_TIMEOUT_MS,
      });
      next.on('notification', (message) => options.onNotify(message.channel, message.payload ?? ''));
      next.on('error', (error) => lost(next, error));
      next.on('end', () => lost(next, new Error('connection ended')));
      try {
        await next.connect();
        for (const channel of Object.values(CHANNELS)) await next.query(`listen ${channel}`);
      } catch (error) {
        next.end().catch(() => undefined);
        lost(next, error);
        return;
      }
      if (closed) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      options.onConnect();
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  function lost(which: pg.Client, error: unknown): void {
    if (closed) return;
    if (client === which) {
      client = null;
      logger.warn({ err: error }, 'the instance connection to Postgres was lost: its leases are gone');
    }
    if (retry || connecting) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  }

  return {
    connect,

    /** A lease on `key` (src/db/store.ts `lease`); null while another instance holds it, or while disconnected. */
    async lease(key: string): Promise<(() => Promise<void>) | null> {
      const holder = client;
      if (!holder) return null;
      const got = await holder
        .query<{ got: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as got', [LEASE_SPACE, key])
        .then(
          ({ rows }) => rows[0]?.got === true,
          () => false, // the connection is failing: no lease until it is back
        );
      if (!got) return null;
      return async () => {
        // A connection lost meanwhile took the lock with it.
        if (client !== holder) return;
        await holder
          .query('select pg_advisory_unlock($1, hashtext($2))', [LEASE_SPACE, key])
          .catch(() => undefined);
      };
    },

    async close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      await connecting;
      const last = client;
      client = null;
      await last?.end().catch(() => undefined);
    },
  };
}

export type InstanceConnection = ReturnType<typeof openInstanceConnection>;
