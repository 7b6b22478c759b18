import { AssociationTypes, Client, DEFAULT_LIMITER_OPTIONS } from '@hubspot/api-client';
import { ALERT_STATES } from '../domain/alert-lifecycle.js';
import type { CompanyFacts, Crm, CrmTaskFields } from './crm.js';
import { CrmError } from './crm.js';
import { retryAfterMs } from './webhook-sender.js';

type Operator = NonNullable<
  Parameters<Client['crm']['companies']['searchApi']['doSearch']>[0]['filterGroups']
>[number]['filters'][number]['operator'];
type AssociationCategory = NonNullable<
  Parameters<Client['crm']['objects']['tasks']['basicApi']['create']>[0]['associations']
>[number]['types'][number]['associationCategory'];
const HUBSPOT_DEFINED = 'HUBSPOT_DEFINED' as AssociationCategory;
type PropertyCreate = Parameters<Client['crm']['properties']['coreApi']['create']>[1];

/** A HubSpot call that has not answered in this long has failed (the client sets no timeout of its own). */
const TIMEOUT_MS = 10_000;
/** A 429 with no interval header is waited out for HubSpot's rolling window. */
const RATE_WINDOW_MS = 10_000;
/** The daily limit resets at midnight in the portal's zone: look again in an hour. */
const DAILY_LIMIT_WAIT_MS = 3_600_000;

const TIERS = ['hot', 'warm', 'cold'] as const;
/**
 * HubSpot's search endpoints allow 5 requests a second per portal, apart from the general limit
 * (the client's own limiter paces the rest): searches start at least this far apart.
 */
const SEARCH_GAP_MS = 250;

/** The company properties pls writes, created at start-up in the manifest's property group. */
function plsProperties(group: string): PropertyCreate[] {
  const options = (values: readonly string[]) =>
    values.map((value, displayOrder) => ({
      label: value[0]!.toUpperCase() + value.slice(1),
      value,
      displayOrder,
      hidden: false,
    }));
  // The client's enums are HubSpot's own strings.
  const kind = (type: string, fieldType: string) => ({
    type: type as PropertyCreate['type'],
    fieldType: fieldType as PropertyCreate['fieldType'],
  });
  const properties = [
    { name: 'pls_score', label: 'PQL score', ...kind('number', 'number') },
    { name: 'pls_tier', label: 'PQL tier', ...kind('enumeration', 'select'), options: options(TIERS) },
    { name: 'pls_last_signal', label: 'PQL last signal', ...kind('string', 'text') },
    {
      name: 'pls_alert_state',
      label: 'PQL alert state',
      ...kind('enumeration', 'select'),
      options: options(ALERT_STATES),
    },
    { name: 'pls_alert_play', label: 'PQL alert play', ...kind('string', 'text') },
    { name: 'pls_alert_link', label: 'PQL alert in Slack', ...kind('string', 'text') },
    { name: 'pls_updated_at', label: 'PQL updated', ...kind('datetime', 'date') },
  ];
  return properties.map((property) => ({
    ...property,
    groupName: group,
    description: 'Written by pls, the product-qualified-lead bot',
  }));
}

/**
 * HubSpot through its official client. Its limiter paces calls under HubSpot's limits (9 a
 * second, 6 at a time; searches 4 a second, in turn); its retries are off, because pls's queues retry
 * (a 429 comes back as `throttled` with HubSpot's interval). Every failure is a `CrmError`.
 */
export function createHubSpot(options: { token: string; apiUrl: string; propertyGroup: string }): Crm {
  const client = new Client({
    accessToken: options.token,
    basePath: options.apiUrl,
    numberOfApiCallRetries: 0,
    // The client paces calls only when given a limiter: HubSpot's private-app limit is 100 to 190
    // requests in ten seconds, and this keeps under it (9 a second, 6 at a time).
    limiterOptions: DEFAULT_LIMITER_OPTIONS,
    // No `httpAgent`: this client version never applies its configured middleware, the agent's
    // included (a call gives up after TIMEOUT_MS; the request it leaves may still land).
  });
  let lastSearch: Promise<unknown> = Promise.resolve();
  /** Searches in turn, `SEARCH_GAP_MS` apart: the search endpoints' own limit. */
  function paced<T>(search: () => Promise<T>): Promise<T> {
    const turn = lastSearch.then(() => new Promise((resolve) => setTimeout(resolve, SEARCH_GAP_MS).unref()));
    lastSearch = turn;
    return turn.then(search);
  }

  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CrmError('unavailable', `${what}: no answer in ${TIMEOUT_MS} ms`)),
        TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (error) {
      throw crmErrorOf(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A 404 is an answer here: the record is not there. */
  async function orMissing<T>(what: string, run: () => Promise<T>): Promise<T | null> {
    try {
      return await call(what, run);
    } catch (error) {
      if (error instanceof CrmError && error.kind === 'missing') return null;
      throw error;
    }
  }

  const { companies, owners, properties, objects } = client.crm;
  return {
    name: 'HubSpot',

    async prepare() {
      const group = options.propertyGroup;
      const found = await orMissing('read the property group', () =>
        properties.groupsApi.getByName('companies', group),
      );
      if (!found)
        await createOrKeep('create the property group', () =>
          properties.groupsApi.create('companies', {
            name: group,
            label: 'pls (product-qualified leads)',
            displayOrder: -1,
          }),
        );
      for (const property of plsProperties(group)) {
        const exists = await orMissing(`read ${property.name}`, () =>
          properties.coreApi.getByName('companies', property.name),
        );
        if (!exists)
          await createOrKeep(`create ${property.name}`, () =>
            properties.coreApi.create('companies', property),
          );
      }
    },

    async companyByDomain(domain) {
      const page = await call('search companies', () =>
        paced(() =>
          companies.searchApi.doSearch({
            filterGroups: [
              { filters: [{ propertyName: 'domain', operator: 'EQ' as Operator, value: domain }] },
            ],
            properties: ['domain', 'name', 'hubspot_owner_id'],
            limit: 1,
          }),
        ),
      );
      const company = page.results[0];
      if (!company) return null;
      return { companyId: company.id, ownerId: company.properties.hubspot_owner_id || null };
    },

    async ownerEmail(ownerId) {
      const id = Number(ownerId);
      if (!Number.isSafeInteger(id)) return null;
      const owner = await orMissing('read the owner', () => owners.ownersApi.getById(id, 'id', false));
      return owner?.email ?? null;
    },

    async ownerIdByEmail(email) {
      const page = await call('find the owner', () => owners.ownersApi.getPage(email, undefined, 1, false));
      return page.results[0]?.id ?? null;
    },

    async updateCompany(companyId, facts) {
      await call('update the company', () =>
        companies.basicApi.update(companyId, { properties: companyProperties(facts) }),
      );
    },

    async createTask(task) {
      const created = await call('create the task', () =>
        objects.tasks.basicApi.create({
          properties: { ...taskProperties(task), hs_task_status: 'NOT_STARTED', hs_task_type: 'TODO' },
          associations: onCompany(task.companyId, AssociationTypes.taskToCompany),
        }),
      );
      return created.id;
    },

    async updateTask(taskId, change) {
      const props = taskProperties(change);
      if (change.done) props.hs_task_status = 'COMPLETED';
      // A task deleted in HubSpot meanwhile has nothing left to change.
      await orMissing('update the task', () => objects.tasks.basicApi.update(taskId, { properties: props }));
    },

    async deleteTask(taskId) {
      await orMissing('delete the task', () => objects.tasks.basicApi.archive(taskId));
    },

    async addNote(note) {
      const created = await call('add the note', () =>
        objects.notes.basicApi.create({
          properties: {
            hs_timestamp: new Date(note.at).toISOString(),
            hs_note_body: note.body,
            ...(note.ownerId ? { hubspot_owner_id: note.ownerId } : {}),
          },
          associations: onCompany(note.companyId, AssociationTypes.noteToCompany),
        }),
      );
      return created.id;
    },
  };

  /** Creates what another instance may have created a moment ago: a 409 is as good as a 201. */
  async function createOrKeep(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await call(what, run);
    } catch (error) {
      if (!(error instanceof CrmError && error.status === 409)) throw error;
    }
  }
}

/** A new task's or note's association with its company (none without one). */
function onCompany(companyId: string | null, associationTypeId: number) {
  return companyId
    ? [{ to: { id: companyId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId }] }]
    : [];
}

function companyProperties(facts: CompanyFacts): Record<string, string> {
  const props: Record<string, string> = { pls_updated_at: new Date(facts.at).toISOString() };
  if (facts.score !== null) props.pls_score = String(Math.round(facts.score));
  if (facts.tier !== null) props.pls_tier = facts.tier;
  if (facts.lastSignal !== undefined) props.pls_last_signal = (facts.lastSignal ?? '').slice(0, 1000);
  if (facts.alertState !== undefined) props.pls_alert_state = facts.alertState ?? '';
  if (facts.alertPlay !== undefined) props.pls_alert_play = facts.alertPlay ?? '';
  if (facts.alertLink !== undefined) props.pls_alert_link = facts.alertLink ?? '';
  return props;
}

function taskProperties(task: Partial<CrmTaskFields>): Record<string, string> {
  const props: Record<string, string> = {};
  if (task.subject !== undefined) props.hs_task_subject = task.subject.slice(0, 500);
  if (task.body !== undefined) props.hs_task_body = task.body;
  if (task.dueAt !== undefined) props.hs_timestamp = new Date(task.dueAt).toISOString();
  if (task.ownerId !== undefined) props.hubspot_owner_id = task.ownerId ?? '';
  if (task.priority !== undefined) props.hs_task_priority = task.priority;
  return props;
}

/** The client's `ApiException` (or a network error) as a `CrmError`, never with the token. */
function crmErrorOf(what: string, error: unknown): CrmError {
  if (error instanceof CrmError) return error;
  const failed = error as {
    code?: unknown;
    body?: { message?: unknown; category?: unknown; policyName?: unknown };
    headers?: Record<string, string>;
  };
  const status = typeof failed.code === 'number' ? failed.code : null;
  if (status === null) {
    const cause = (error as { code?: string; message?: string }).code ?? (error as Error).message;
    return new CrmError('unavailable', `${what}: ${cause}`);
  }
  const said = typeof failed.body?.message === 'string' ? `: ${failed.body.message.slice(0, 300)}` : '';
  const message = `${what}: HTTP ${status}${said}`;
  if (status === 429) {
    const daily = failed.body?.policyName === 'DAILY';
    const interval = Number(failed.headers?.['x-hubspot-ratelimit-interval-milliseconds']);
    const told = retryAfterMs(failed.headers?.['retry-after'] ?? null, Date.now());
    const wait = daily
      ? DAILY_LIMIT_WAIT_MS
      : (told ?? (Number.isFinite(interval) && interval > 0 ? interval : RATE_WINDOW_MS));
    return new CrmError('throttled', message, wait, status);
  }
  if (status === 401 || status === 403) return new CrmError('unauthorised', message, null, status);
  if (status === 404) return new CrmError('missing', message, null, status);
  if (status >= 500 || status === 408) return new CrmError('unavailable', message, null, status);
  return new CrmError('rejected', message, null, status);
}
