import { and, desc, eq } from 'drizzle-orm';
import type { AccountState } from '../domain/account-state.js';
import { type AccountPatch, normaliseDomain, type UserPatch } from '../domain/usage-event.js';
import { rowDecoder } from './row-decoder.js';
import { accounts, accountUsers, users } from './schema.js';
import type { Db } from './sqlite/client.js';

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
  const toAccount = rowDecoder(accounts);
  const byId = db.$client.prepare<[string]>('select * from accounts where id = ?');
  const labelById = db.$client
    .prepare<[string], string | null>('select coalesce(name, domain) from accounts where id = ?')
    .pluck();
  // The per-event writes, raw: the same statements drizzle built, compiled once.
  const upsertAccount = db.$client.prepare(
    `insert into accounts (id, name, domain, plan, employees, industry, country, timezone, owner, first_seen_at, updated_at)
     values (@id, @name, @domain, @plan, @employees, @industry, @country, @timezone, @owner, @now, @now)
     on conflict (id) do update set
       name = coalesce(excluded.name, name), domain = coalesce(excluded.domain, domain),
       plan = coalesce(excluded.plan, plan), employees = coalesce(excluded.employees, employees),
       industry = coalesce(excluded.industry, industry), country = coalesce(excluded.country, country),
       timezone = coalesce(excluded.timezone, timezone), owner = coalesce(excluded.owner, owner),
       updated_at = excluded.updated_at`,
  );
  const saveScore = db.$client.prepare<[string, number, string, number, string]>(
    'update accounts set state = ?, score = ?, tier = ?, scored_at = ? where id = ?',
  );
  const upsertUser = db.$client.prepare(
    `insert into users (id, email, name, title, updated_at) values (@id, @email, @name, @title, @now)
     on conflict (id) do update set
       email = coalesce(excluded.email, email), name = coalesce(excluded.name, name),
       title = coalesce(excluded.title, title), updated_at = excluded.updated_at`,
  );
  // Most events name a known person and carry nothing about them: no write (a page less a commit).
  const addUser = db.$client.prepare<[string, number]>(
    'insert into users (id, updated_at) values (?, ?) on conflict (id) do nothing',
  );
  const recordUserActivity = db.$client.prepare<[string, string, number]>(
    `insert into account_users (account_id, user_id, events, last_seen_at) values (?, ?, 1, ?)
     on conflict (account_id, user_id) do update set
       events = events + 1, last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
  );
  /** An account's people as contacts: what they did there, with who they are. */
  const contacts = () =>
    db
      .select({
        userId: accountUsers.userId,
        name: users.name,
        title: users.title,
        email: users.email,
        events: accountUsers.events,
      })
      .from(accountUsers)
      .leftJoin(users, eq(users.id, accountUsers.userId));

  return {
    async find(id: string): Promise<AccountRow | null> {
      return toAccount(byId.get(id));
    },

    /** The account's name, else its domain (without reading its scoring state). */
    async labelOf(id: string): Promise<string | null> {
      return labelById.get(id) ?? null;
    },

    /**
     * `/pls account` and `/pls assign`'s argument: an account id, a domain, or a URL on it. Every
     * account the domain names (up to 6, by id), so a caller can refuse a domain several share.
     */
    async findByRef(ref: string): Promise<AccountRow[]> {
      const byRef = toAccount(byId.get(ref));
      if (byRef) return [byRef];
      const domain = normaliseDomain(ref);
      if (!domain) return [];
      return db
        .select()
        .from(accounts)
        .where(eq(accounts.domain, domain))
        .orderBy(accounts.id)
        .limit(6)
        .all();
    },

    /** Creates the account on first sight; only the fields the patch carries change. */
    async upsert(id: string, patch: AccountPatch | null, now: number): Promise<void> {
      const p = patch ?? {};
      upsertAccount.run({
        id,
        name: p.name ?? null,
        domain: p.domain ?? null,
        plan: p.plan ?? null,
        employees: p.employees ?? null,
        industry: p.industry ?? null,
        country: p.country ?? null,
        timezone: p.timezone ?? null,
        owner: p.owner ?? null,
        now,
      });
    },

    async saveScore(
      id: string,
      state: AccountState,
      score: number,
      tier: 'hot' | 'warm' | 'cold',
      now: number,
    ): Promise<void> {
      saveScore.run(JSON.stringify(state), score, tier, now, id);
    },

    async upsertUser(id: string, patch: UserPatch | null, now: number): Promise<void> {
      if (!patch || Object.keys(patch).length === 0) {
        addUser.run(id, now);
        return;
      }
      upsertUser.run({
        id,
        email: patch?.email ?? null,
        name: patch?.name ?? null,
        title: patch?.title ?? null,
        now,
      });
    },

    async recordUserActivity(accountId: string, userId: string, at: number): Promise<void> {
      recordUserActivity.run(accountId, userId, at);
    },

    /** The account's most active people, busiest first. */
    async topContacts(accountId: string, limit: number): Promise<Contact[]> {
      return contacts()
        .where(eq(accountUsers.accountId, accountId))
        .orderBy(desc(accountUsers.events))
        .limit(limit)
        .all();
    },

    async contact(accountId: string, userId: string): Promise<Contact | null> {
      return (
        contacts()
          .where(and(eq(accountUsers.accountId, accountId), eq(accountUsers.userId, userId)))
          .get() ?? null
      );
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
