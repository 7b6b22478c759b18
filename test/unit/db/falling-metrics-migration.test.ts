import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { closeDatabase, MIGRATIONS_FOLDER } from '../../../src/db/sqlite/client.js';
import { type AccountState, applyEvent, emptyAccountState } from '../../../src/domain/account-state.js';
import { DAY, HOUR, usageEvent } from '../../support/domain-builders.js';
import { useDatabaseBefore } from '../../support/migrated-before.js';

/**
 * Migration 0020 gives every scored account the windows falling metrics read — its users'
 * active days and its daily sessions over 28 days — rebuilt from the stored events exactly as
 * scoring keeps them. The database is migrated to 0019, given an account scored before the
 * windows existed and its events, then migrated on.
 */
const databaseBefore = useDatabaseBefore('pls-falling-migration-');
const databaseBefore0020 = () => databaseBefore('0020');

describe('migration 0020: falling metrics’ windows rebuilt from stored events', () => {
  it('gives a scored account the users’ active days and daily sessions scoring would have kept', () => {
    const db = databaseBefore0020();
    const now = Date.UTC(2026, 11, 7, 15);
    const events = [
      // Forty days of a team thinning out, some events older than the 28 days kept, one late.
      ...Array.from({ length: 40 }, (_, day) =>
        ['u1', 'u2', 'u3', 'u4'].slice(0, day < 20 ? 4 : 1).map((user, i) =>
          usageEvent('session_started', now - (40 - day) * DAY + i * HOUR, {
            userId: user,
            id: `e${day}_${i}`,
          }),
        ),
      ).flat(),
      usageEvent('feature_used', now - 3 * DAY, { userId: 'u5', id: 'late' }),
      usageEvent('plan_changed', now - DAY, { userId: 'u6', id: 'plan', properties: { plan: 'team' } }),
    ];
    const live: AccountState = emptyAccountState();
    for (const event of events) applyEvent(live, event, [], 3 * DAY, now);
    const before = { ...live, userDays: undefined, sessionDays: undefined };
    db.$client
      .prepare(
        `insert into accounts (id, first_seen_at, updated_at, state, tier, scored_at) values (?, 0, 0, ?, 'cold', ?)`,
      )
      .run('acct_1', JSON.stringify(before), now);
    db.$client
      .prepare(
        `insert into accounts (id, first_seen_at, updated_at, state, tier, scored_at) values (?, 0, 0, NULL, 'cold', ?)`,
      )
      .run('acct_unscored', now);
    const insert = db.$client.prepare(
      `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, processed_at, properties)
       values (?, 'webhook', ?, 'acct_1', ?, ?, ?, ?, '{}')`,
    );
    for (const event of events) insert.run(event.id, event.type, event.userId, event.occurredAt, now, now);

    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const [migrated, unscored] = db.$client
      .prepare<[], { state: string | null }>('select state from accounts order by id')
      .all();
    const state = JSON.parse(migrated!.state!) as AccountState;
    expect(state.userDays).toEqual({ ...live.userDays });
    expect(state.sessionDays).toEqual(live.sessionDays);
    expect(Object.keys(state.userDays!).sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    expect(unscored!.state).toBeNull();
    closeDatabase(db);
  });
});
