import type { CrmLink, CrmRepo, CrmTask } from '../crm-repo.js';
import type { PgSession } from './pg-store.js';

const LINK_COLUMNS = `account_id as "accountId", domain, company_id as "companyId", owner_id as "ownerId",
  owner_email as "ownerEmail", slack_user as "slackUser", checked_at as "checkedAt"`;
const TASK_COLUMNS =
  'alert_id as "alertId", account_id as "accountId", task_id as "taskId", owner_id as "ownerId", created_at as "createdAt"';

/** What pls keeps of the CRM, on Postgres: the same calls as src/db/crm-repo.ts. */
export function createPgCrmRepo(db: PgSession): CrmRepo {
  return {
    async lookupsDue(accountIds, staleBefore) {
      if (accountIds.length === 0) return [];
      const { rows } = await db.query<{ accountId: string; domain: string }>(
        `select a.id as "accountId", a.domain as domain
           from accounts a left join crm_accounts c on c.account_id = a.id
          where a.id = any($1::text[]) and a.domain is not null
            and (c.account_id is null or c.checked_at < $2 or c.domain <> a.domain)
          order by a.score desc, a.id`,
        [accountIds, staleBefore],
      );
      return rows;
    },
    async saveLookup(l) {
      await db.query(
        `insert into crm_accounts (account_id, domain, company_id, owner_id, owner_email, slack_user, checked_at)
         select $1, $2, $3, $4, $5, $6, $7 where exists (select 1 from accounts where id = $1)
         on conflict (account_id) do update set domain = excluded.domain, company_id = excluded.company_id,
           owner_id = excluded.owner_id, owner_email = excluded.owner_email, slack_user = excluded.slack_user,
           checked_at = excluded.checked_at`,
        [l.accountId, l.domain, l.companyId, l.ownerId, l.ownerEmail, l.slackUser, l.checkedAt],
      );
    },
    async linkOf(accountId) {
      const { rows } = await db.query<CrmLink>(
        `select ${LINK_COLUMNS} from crm_accounts where account_id = $1`,
        [accountId],
      );
      return rows[0] ?? null;
    },
    async taskOf(alertId) {
      const { rows } = await db.query<CrmTask>(`select ${TASK_COLUMNS} from crm_tasks where alert_id = $1`, [
        alertId,
      ]);
      return rows[0] ?? null;
    },
    async saveTask(t) {
      await db.query(
        `insert into crm_tasks (alert_id, account_id, task_id, owner_id, created_at)
         select $1, $2, $3, $4, $5 where exists (select 1 from accounts where id = $2)
         on conflict (alert_id) do update set task_id = excluded.task_id, owner_id = excluded.owner_id,
           created_at = excluded.created_at`,
        [t.alertId, t.accountId, t.taskId, t.ownerId, t.createdAt],
      );
    },
    async dropTask(alertId) {
      await db.query('delete from crm_tasks where alert_id = $1', [alertId]);
    },
    async noteOf(alertId) {
      const { rows } = await db.query<{ noteId: string }>(
        'select note_id as "noteId" from crm_notes where alert_id = $1',
        [alertId],
      );
      return rows[0]?.noteId ?? null;
    },
    async saveNote(n) {
      await db.query(
        `insert into crm_notes (alert_id, account_id, note_id, created_at)
         select $1, $2, $3, $4 where exists (select 1 from accounts where id = $2)
         on conflict (alert_id) do nothing`,
        [n.alertId, n.accountId, n.noteId, n.createdAt],
      );
    },
  };
}
