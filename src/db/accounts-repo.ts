import { and, desc, eq, sql } from 'drizzle-orm';
import type { AccountState } from '../domain/account-state.js';
import type { AccountPatch, UserPatch } from '../domain/usage-event.js';
import type { Db } from './client.js';
import { accounts, accountUsers, users } from './schema.js';

export type AccountRow = typeof accounts.$inferSelect;

export interface Contact {
  userId: string;
  name: string | null;
  title: string | null;
  email: string | null;
  events: number;
}

/** Accounts, the people in them, and each account's live scoring state. */
export function createAccountsRepo(db: Db) {
  // Prepared once: building and compiling the query on every call was most of the cost of
  // processing an event (BENCHMARKS.md).
  const byId = db
    .select()
    .from(accounts)
    .where(eq(accounts.id, sql.placeholder('id')))
    .prepare();
  return {
    find(id: string): AccountRow | null {
      return byId.get({ id }) ?? null;
    },

    findByDomain(domain: string): AccountRow | null {
      return db.select().from(accounts).where(eq(accounts.domain, domain.toLowerCase())).get() ?? null;
    },

    /** Creates the account on first sight; only the fields the patch carries change. */
    upsert(id: string, patch: AccountPatch | null, now: number): void {
      const p = patch ?? {};
      db.insert(accounts)
        .values({ id, ...p, firstSeenAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: accounts.id,
          set: {
            name: sql`coalesce(excluded.name, ${accounts.name})`,
            domain: sql`coalesce(excluded.domain, ${accounts.domain})`,
            plan: sql`coalesce(excluded.plan, ${accounts.plan})`,
            employees: sql`coalesce(excluded.employees, ${accounts.employees})`,
            industry: sql`coalesce(excluded.industry, ${accounts.industry})`,
            country: sql`coalesce(excluded.country, ${accounts.country})`,
            timezone: sql`coalesce(excluded.timezone, ${accounts.timezone})`,
            owner: sql`coalesce(excluded.owner, ${accounts.owner})`,
            updatedAt: now,
          },
        })
        .run();
    },

    saveScore(
      id: string,
      state: AccountState,
      score: number,
      tier: 'hot' | 'warm' | 'cold',
      now: number,
    ): void {
      db.update(accounts).set({ state, score, tier, scoredAt: now }).where(eq(accounts.id, id)).run();
    },

    upsertUser(id: string, patch: UserPatch | null, now: number): void {
      const p = patch ?? {};
      db.insert(users)
        .values({ id, ...p, updatedAt: now })
        .onConflictDoUpdate({
          target: users.id,
          set: {
            email: sql`coalesce(excluded.email, ${users.email})`,
            name: sql`coalesce(excluded.name, ${users.name})`,
            title: sql`coalesce(excluded.title, ${users.title})`,
            updatedAt: now,
          },
        })
        .run();
    },

    recordUserActivity(accountId: string, userId: string, at: number): void {
      db.insert(accountUsers)
        .values({ accountId, userId, events: 1, lastSeenAt: at })
        .onConflictDoUpdate({
          target: [accountUsers.accountId, accountUsers.userId],
          set: {
            events: sql`${accountUsers.events} + 1`,
            lastSeenAt: sql`max(${accountUsers.lastSeenAt}, excluded.last_seen_at)`,
          },
        })
        .run();
    },

    /** The account's most active people, busiest first. */
    topContacts(accountId: string, limit: number): Contact[] {
      return db
        .select({
          userId: accountUsers.userId,
          name: users.name,
          title: users.title,
          email: users.email,
          events: accountUsers.events,
        })
        .from(accountUsers)
        .leftJoin(users, eq(users.id, accountUsers.userId))
        .where(eq(accountUsers.accountId, accountId))
        .orderBy(desc(accountUsers.events))
        .limit(limit)
        .all();
    },

    contact(accountId: string, userId: string): Contact | null {
      return (
        db
          .select({
            userId: accountUsers.userId,
            name: users.name,
            title: users.title,
            email: users.email,
            events: accountUsers.events,
          })
          .from(accountUsers)
          .leftJoin(users, eq(users.id, accountUsers.userId))
          .where(and(eq(accountUsers.accountId, accountId), eq(accountUsers.userId, userId)))
          .get() ?? null
      );
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
