import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { closeDatabase, MIGRATIONS_FOLDER } from '../../../src/db/sqlite/client.js';
import { DAY } from '../../support/domain-builders.js';
import { useDatabaseBefore } from '../../support/migrated-before.js';

/**
 * Migration 0010 arms the accounts that were already hot when arming shipped and may have lost
 * their crossing to stale data: never alerted, with events that arrived more than 24 h late.
 * The database is migrated to 0009, given accounts, then migrated on.
 */
const databaseBefore = useDatabaseBefore('pls-arm-migration-');
const databaseBefore0010 = () => databaseBefore('0010');

describe('migration 0010: accounts already hot are armed', () => {
  it('arms hot accounts never alerted that had late events, and leaves the rest alone', () => {
    const db = databaseBefore0010();
    const now = Date.now();
    const state = JSON.stringify({ v: 1, signals: {} });
    const account = db.$client.prepare(
      `insert into accounts (id, first_seen_at, updated_at, state, score, tier, scored_at) values (?, 0, 0, ?, ?, ?, ?)`,
    );
    account.run('hot_never_alerted', state, 80, 'hot', now - DAY);
    account.run('hot_never_late', state, 80, 'hot', now - DAY);
    account.run('hot_alert_open', state, 80, 'hot', now - DAY);
    account.run('hot_alerted_last_week', state, 80, 'hot', now - DAY);
    account.run('hot_alerted_long_ago', state, 80, 'hot', now - DAY);
    account.run('warm', state, 50, 'warm', now - DAY);
    account.run('hot_without_state', null, 80, 'hot', now - DAY);
    const alert = db.$client.prepare(
      `insert into alerts (id, account_id, state, tier, team_id, channel, trigger, base_score, score, opened_at,
         tier_set_at, claim_due_at, policy, updated_at)
       values (?, ?, ?, 'hot', 't', 'C0T', '{}', 0, 80, ?, ?, ?, '{}', ?)`,
    );
    const opened = (id: string, accountId: string, stateName: string, at: number) =>
      alert.run(id, accountId, stateName, at, at, at, at);
    opened('al_1', 'hot_alert_open', 'claimed', now - 30 * DAY);
    opened('al_2', 'hot_alerted_last_week', 'closed', now - 7 * DAY);
    opened('al_3', 'hot_alerted_long_ago', 'closed', now - 40 * DAY);
    const event = db.$client.prepare(
      `insert into events (id, source, type, account_id, occurred_at, received_at, properties)
       values (?, 'webhook', 'session_started', ?, ?, ?, '{}')`,
    );
    let n = 0;
    for (const id of [
      'hot_never_alerted',
      'hot_alert_open',
      'hot_alerted_last_week',
      'hot_alerted_long_ago',
      'warm',
    ]) {
      event.run(`evt_${++n}`, id, now - 3 * DAY, now - DAY); // a backfill: two days late
    }
    event.run(`evt_${++n}`, 'hot_never_late', now - DAY, now - DAY + 1000);

    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const armed = db.$client
      .prepare(`select id, json_extract(state, '$.armed') as armed from accounts order by id`)
      .all() as { id: string; armed: string | null }[];
    closeDatabase(db);
    const byId = Object.fromEntries(armed.map((row) => [row.id, row.armed && JSON.parse(row.armed)]));
    expect(byId).toEqual({
      hot_never_alerted: { at: now - DAY, text: null, signalId: null },
      hot_never_late: null,
      hot_alerted_long_ago: null,
      hot_alert_open: null,
      hot_alerted_last_week: null,
      warm: null,
      hot_without_state: null,
    });
  });
});
