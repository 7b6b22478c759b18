import { normaliseDomain } from '../../domain/usage-event.js';
import type { AccountsRepo, Contact } from '../accounts-repo.js';
import { tableColumns } from './columns.js';
import type { PgSession } from './pg-store.js';
import { accounts } from './schema.js';

/** Accounts, their people and their scoring state on Postgres: the same calls as src/db/accounts-repo.ts. */
export function createPgAccountsRepo(db: PgSession): AccountsRepo {
  const columns = tableColumns(accounts);
  const CONTACT = `select au.user_id as "userId", u.name, u.title, u.email, au.events
    from account_users au left join users u on u.id = au.user_id`;

  return {
    async find(id) {
      const { rows } = await db.query('select * from accounts where id = $1', [id]);
      return columns.decode(rows[0]);
    },

    async labelOf(id) {
      const { rows } = await db.query<{ label: string | null }>(
        'select coalesce(name, domain) as label from accounts where id = $1',
        [id],
      );
      return rows[0]?.label ?? null;
    },

    async findByRef(ref) {
      const byId = await this.find(ref);
      if (byId) return [byId];
      const domain = normaliseDomain(ref);
      if (!domain) return [];
      const { rows } = await db.query('select * from accounts where domain = $1 order by id limit 6', [
        domain,
      ]);
      return rows.map((row) => columns.decode(row)!);
    },

    async upsert(id, patch, now) {
      const p = patch ?? {};
      await db.query(
        `insert into accounts (id, name, domain, plan, employees, industry, country, timezone, owner, first_seen_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         on conflict (id) do update set
           name = coalesce(excluded.name, accounts.name), domain = coalesce(excluded.domain, accounts.domain),
           plan = coalesce(excluded.plan, accounts.plan), employees = coalesce(excluded.employees, accounts.employees),
           industry = coalesce(excluded.industry, accounts.industry), country = coalesce(excluded.country, accounts.country),
           timezone = coalesce(excluded.timezone, accounts.timezone), owner = coalesce(excluded.owner, accounts.owner),
           updated_at = excluded.updated_at`,
        [
          id,
          p.name ?? null,
          p.domain ?? null,
          p.plan ?? null,
          p.employees ?? null,
          p.industry ?? null,
          p.country ?? null,
          p.timezone ?? null,
          p.owner ?? null,
          now,
        ],
      );
    },

    async saveScore(id, state, score, tier, now) {
      await db.query(
        'update accounts set state = $1::jsonb, score = $2, tier = $3, scored_at = $4 where id = $5',
        [JSON.stringify(state), score, tier, now, id],
      );
    },

    async upsertUser(id, patch, now) {
      if (!patch || Object.keys(patch).length === 0) {
        await db.query('insert into users (id, updated_at) values ($1, $2) on conflict (id) do nothing', [
          id,
          now,
        ]);
        return;
      }
      await db.query(
        `insert into users (id, email, name, title, updated_at) values ($1, $2, $3, $4, $5)
         on conflict (id) do update set
           email = coalesce(excluded.email, users.email), name = coalesce(excluded.name, users.name),
           title = coalesce(excluded.title, users.title), updated_at = excluded.updated_at`,
        [id, patch.email ?? null, patch.name ?? null, patch.title ?? null, now],
      );
    },

    async recordUserActivity(accountId, userId, at) {
      await db.query(
        `insert into account_users (account_id, user_id, events, last_seen_at) values ($1, $2, 1, $3)
         on conflict (account_id, user_id) do update set
           events = account_users.events + 1,
           last_seen_at = greatest(account_users.last_seen_at, excluded.last_seen_at)`,
        [accountId, userId, at],
      );
    },

    async topContacts(accountId, limit) {
      const { rows } = await db.query<Contact>(
        `${CONTACT} where au.account_id = $1 order by au.events desc, au.user_id limit $2`,
        [accountId, limit],
      );
      return rows;
    },

    async contact(accountId, userId) {
      const { rows } = await db.query<Contact>(`${CONTACT} where au.account_id = $1 and au.user_id = $2`, [
        accountId,
        userId,
      ]);
      return rows[0] ?? null;
    },
  };
}
