import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { AccountsRepo } from '../../src/db/accounts-repo.js';
import type { AlertsRepo } from '../../src/db/alerts-repo.js';
import type { Db } from '../../src/db/client.js';
import type { OutboxMessage, OutboxRepo } from '../../src/db/outbox-repo.js';
import { accounts, alerts } from '../../src/db/schema.js';
import type { AccountPatch, UserPatch } from '../../src/domain/usage-event.js';

/**
 * A bench-only prototype of the processing fix: the repository methods the scoring pipeline
 * calls for every event (src/services/process-events.ts `processOne`), with their statements
 * prepared once instead of built by drizzle's query builder and re-prepared by SQLite on every
 * call. Reads stay drizzle (`.prepare()` with placeholders, so rows map exactly as before);
 * writes are plain better-sqlite3 statements with the same SQL. Same results, same
 * transactions: only the per-call query building and statement compilation go.
 *
 * Patches the repo objects in place (the processor holds the same objects), so a bench-only
 * server can run pls's own `buildApp` with it.
 */
export function usePreparedStatements(db: Db, accountsRepo: AccountsRepo, alertsRepo: AlertsRepo): void {
  const sqlite = db.$client;
  const findAccount = db
    .select()
    .from(accounts)
    .where(eq(accounts.id, sql.placeholder('id')))
    .prepare();
  const findOpen = db
    .select()
    .from(alerts)
    .where(and(eq(alerts.accountId, sql.placeholder('accountId')), ne(alerts.state, 'closed')))
    .prepare();
  const findLatest = db
    .select()
    .from(alerts)
    .where(eq(alerts.accountId, sql.placeholder('accountId')))
    .orderBy(desc(alerts.openedAt))
    .limit(1)
    .prepare();
  const upsertAccount = sqlite.prepare(
    `insert into accounts (id, name, domain, plan, employees, industry, country, timezone, owner, first_seen_at, updated_at)
     values (@id, @name, @domain, @plan, @employees, @industry, @country, @timezone, @owner, @now, @now)
     on conflict (id) do update set
       name = coalesce(excluded.name, accounts.name), domain = coalesce(excluded.domain, accounts.domain),
       plan = coalesce(excluded.plan, accounts.plan), employees = coalesce(excluded.employees, accounts.employees),
       industry = coalesce(excluded.industry, accounts.industry), country = coalesce(excluded.country, accounts.country),
       timezone = coalesce(excluded.timezone, accounts.timezone), owner = coalesce(excluded.owner, accounts.owner),
       updated_at = @now`,
  );
  const saveScore = sqlite.prepare(
    'update accounts set state = ?, score = ?, tier = ?, scored_at = ? where id = ?',
  );
  const upsertUser = sqlite.prepare(
    `insert into users (id, email, name, title, updated_at) values (@id, @email, @name, @title, @now)
     on conflict (id) do update set email = coalesce(excluded.email, users.email),
       name = coalesce(excluded.name, users.name), title = coalesce(excluded.title, users.title), updated_at = @now`,
  );
  const recordActivity = sqlite.prepare(
    `insert into account_users (account_id, user_id, events, last_seen_at) values (?, ?, 1, ?)
     on conflict (account_id, user_id) do update set events = events + 1,
       last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
  );

  accountsRepo.find = (id) => findAccount.get({ id }) ?? null;
  accountsRepo.upsert = (id, patch: AccountPatch | null, now) => {
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
  };
  accountsRepo.saveScore = (id, state, score, tier, now) => {
    saveScore.run(JSON.stringify(state), score, tier, now, id);
  };
  accountsRepo.upsertUser = (id, patch: UserPatch | null, now) => {
    const p = patch ?? {};
    upsertUser.run({ id, email: p.email ?? null, name: p.name ?? null, title: p.title ?? null, now });
  };
  accountsRepo.recordUserActivity = (accountId, userId, at) => {
    recordActivity.run(accountId, userId, at);
  };
  alertsRepo.findOpen = (accountId) => findOpen.get({ accountId }) ?? null;
  alertsRepo.findLatest = (accountId) => findLatest.get({ accountId }) ?? null;
}

/**
 * The same for what an SLA sweep step calls: the alert and account lookups, the per-rep load
 * queries routing makes for every candidate rep (a reassign step asks three questions of each
 * rep in the team), the audit row and the outbox insert.
 */
export function usePreparedSweepStatements(db: Db, alertsRepo: AlertsRepo, outboxRepo: OutboxRepo): void {
  const sqlite = db.$client;
  const findAlert = db
    .select()
    .from(alerts)
    .where(eq(alerts.id, sql.placeholder('id')))
    .prepare();
  const heldBy = sqlite.prepare<[string], { n: number }>(
    "select count(*) as n from alerts where claimed_by = ? and state in ('claimed', 'contacted')",
  );
  const isOoo = sqlite.prepare<[string], { ooo: number }>('select ooo from rep_status where rep_id = ?');
  const suggestedSince = sqlite.prepare<[string, number], { n: number }>(
    'select count(*) as n from alerts where suggested_rep = ? and opened_at > ?',
  );
  const record = sqlite.prepare(
    'insert into alert_events (alert_id, at, kind, actor, data) values (?, ?, ?, ?, ?)',
  );
  const enqueue = sqlite.prepare(
    'insert into outbox (kind, alert_id, payload, created_at, next_attempt_at) values (?, ?, ?, ?, ?)',
  );
  alertsRepo.find = (id) => findAlert.get({ id }) ?? null;
  alertsRepo.heldBy = (repId) => heldBy.get(repId)?.n ?? 0;
  alertsRepo.isOoo = (repId) => isOoo.get(repId)?.ooo === 1;
  alertsRepo.suggestedSince = (repId, since) => suggestedSince.get(repId, since)?.n ?? 0;
  alertsRepo.record = (alertId, at, kind, actor, data = {}) => {
    record.run(alertId, at, kind, actor, JSON.stringify(data));
  };
  outboxRepo.enqueue = (message: OutboxMessage, now: number) => {
    const { kind, alertId, ...payload } = message;
    enqueue.run(kind, alertId, JSON.stringify(payload), now, now);
  };
}
