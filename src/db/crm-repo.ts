import type { Db } from './sqlite/client.js';

/** What HubSpot said about an account's company (table `crm_accounts`). */
export interface CrmLink {
  accountId: string;
  /** The domain asked about. */
  domain: string;
  /** Null when the CRM has no company with the domain. */
  companyId: string | null;
  ownerId: string | null;
  ownerEmail: string | null;
  /** The owner's Slack user, found by their email; null when Slack knows no one with it. */
  slackUser: string | null;
  checkedAt: number;
}

/** The CRM task pls made for an alert's claimer (table `crm_tasks`). */
export interface CrmTask {
  alertId: string;
  accountId: string;
  taskId: string;
  /** The CRM owner it is assigned to. */
  ownerId: string | null;
  createdAt: number;
}

/**
 * What pls keeps of the CRM (README, "HubSpot"): each account's company and owner, asked
 * outside the scoring transaction and read by routing, and the task made for each alert's
 * claimer, so that later changes of the alert move, reassign, close or complete the same task.
 */
export interface CrmRepo {
  /**
   * Of these accounts, those with a domain the CRM has not been asked about since `staleBefore`
   * (or was asked about another domain): the lookups due, highest score first.
   */
  lookupsDue(
    accountIds: readonly string[],
    staleBefore: number,
  ): Promise<{ accountId: string; domain: string }[]>;
  saveLookup(link: CrmLink): Promise<void>;
  linkOf(accountId: string): Promise<CrmLink | null>;
  taskOf(alertId: string): Promise<CrmTask | null>;
  /** Records the alert's task (a new one replaces a closed one). */
  saveTask(task: CrmTask): Promise<void>;
  dropTask(alertId: string): Promise<void>;
  /** Whether the alert's outcome note was left (a retry must not leave a second). */
  noteOf(alertId: string): Promise<string | null>;
  saveNote(note: { alertId: string; accountId: string; noteId: string; createdAt: number }): Promise<void>;
}

const LINK_COLUMNS = `account_id as accountId, domain, company_id as companyId, owner_id as ownerId,
  owner_email as ownerEmail, slack_user as slackUser, checked_at as checkedAt`;
const TASK_COLUMNS =
  'alert_id as alertId, account_id as accountId, task_id as taskId, owner_id as ownerId, created_at as createdAt';

export function createCrmRepo(db: Db): CrmRepo {
  const sqlite = db.$client;
  const due = sqlite.prepare<[string, number], { accountId: string; domain: string }>(
    `select a.id as accountId, a.domain as domain
       from accounts a left join crm_accounts c on c.account_id = a.id
      where a.id in (select value from json_each(?)) and a.domain is not null
        and (c.account_id is null or c.checked_at < ? or c.domain <> a.domain)
      order by a.score desc, a.id`,
  );
  // Only for an account that still exists: a lookup that ends after `npm run forget` leaves nothing.
  const save = sqlite.prepare(
    `insert into crm_accounts (account_id, domain, company_id, owner_id, owner_email, slack_user, checked_at)
     select @accountId, @domain, @companyId, @ownerId, @ownerEmail, @slackUser, @checkedAt
      where exists (select 1 from accounts where id = @accountId)
     on conflict (account_id) do update set domain = excluded.domain, company_id = excluded.company_id,
       owner_id = excluded.owner_id, owner_email = excluded.owner_email, slack_user = excluded.slack_user,
       checked_at = excluded.checked_at`,
  );
  const link = sqlite.prepare<[string], CrmLink>(
    `select ${LINK_COLUMNS} from crm_accounts where account_id = ?`,
  );
  const task = sqlite.prepare<[string], CrmTask>(`select ${TASK_COLUMNS} from crm_tasks where alert_id = ?`);
  const saveTask = sqlite.prepare(
    `insert into crm_tasks (alert_id, account_id, task_id, owner_id, created_at)
     select @alertId, @accountId, @taskId, @ownerId, @createdAt
      where exists (select 1 from accounts where id = @accountId)
     on conflict (alert_id) do update set task_id = excluded.task_id, owner_id = excluded.owner_id,
       created_at = excluded.created_at`,
  );
  const dropTask = sqlite.prepare<[string]>('delete from crm_tasks where alert_id = ?');
  const note = sqlite
    .prepare<[string], string>('select note_id from crm_notes where alert_id = ?')
    .pluck(true);
  const saveNote = sqlite.prepare(
    `insert into crm_notes (alert_id, account_id, note_id, created_at)
     select @alertId, @accountId, @noteId, @createdAt where exists (select 1 from accounts where id = @accountId)
     on conflict (alert_id) do nothing`,
  );
  return {
    async lookupsDue(accountIds, staleBefore) {
      return accountIds.length === 0 ? [] : due.all(JSON.stringify(accountIds), staleBefore);
    },
    async saveLookup(value) {
      save.run(value);
    },
    async linkOf(accountId) {
      return link.get(accountId) ?? null;
    },
    async taskOf(alertId) {
      return task.get(alertId) ?? null;
    },
    async saveTask(value) {
      saveTask.run(value);
    },
    async dropTask(alertId) {
      dropTask.run(alertId);
    },
    async noteOf(alertId) {
      return note.get(alertId) ?? null;
    },
    async saveNote(value) {
      saveNote.run(value);
    },
  };
}
