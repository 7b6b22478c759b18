/**
 * A fake HubSpot CRM API on 127.0.0.1 for tests and the local sandbox, built from HubSpot's
 * documented requests and answers (CRM v3: companies and their search, owners, property groups
 * and properties, tasks, notes and associations). Point `HUBSPOT_API_URL` at `emulator.url`,
 * drive pls, then read what HubSpot would now show: `company(id)`, `tasks()`, `notes()`.
 *
 * Like HubSpot it refuses a request without the private-app token (401), a company property
 * that does not exist (400 `PROPERTY_DOESNT_EXIST`, so pls must create its own first), and more
 * than `limitPer10s` requests in a rolling ten seconds (429 with HubSpot's rate-limit headers).
 * Failures can be injected per route.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from './wait-for.js';

export interface HubSpotOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  /** The HubSpot user behind the owner. */
  userId: number;
}

export interface HubSpotCompanySeed {
  id: string;
  name: string;
  domain: string;
  /** `hubspot_owner_id`: the company owner. */
  ownerId?: string;
}

export interface HubSpotRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** Company ids the record is associated with (tasks and notes). */
  companies: string[];
}

export interface HubSpotRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  body: unknown;
  status: number;
}

export interface HubSpotEmulatorOptions {
  token?: string;
  owners?: HubSpotOwner[];
  companies?: HubSpotCompanySeed[];
  /** Requests allowed per rolling ten seconds (HubSpot's private-app limit is 100 to 190). */
  limitPer10s?: number;
  now?: () => number;
  /**
   * A portal that already has a company for every domain asked about (the sandbox's): the
   * company a search for `domain` finds when none was seeded, made on first search; undefined → none.
   */
  portal?: (domain: string) => Omit<HubSpotCompanySeed, 'id'> | undefined;
}

/** A route (`POST /crm/v3/objects/tasks`; ids as `{id}`) or `*`, failing its next `times` requests. */
export interface HubSpotFailure {
  status: number;
  times?: number;
}

/** HubSpot's company properties that exist on every portal (the ones pls reads or a test sets). */
const DEFAULT_COMPANY_PROPERTIES = ['name', 'domain', 'hubspot_owner_id', 'industry', 'numberofemployees'];
/** HubSpot's association type ids: task → company and note → company (HUBSPOT_DEFINED). */
const TASK_TO_COMPANY = 192;
const NOTE_TO_COMPANY = 190;
const WINDOW_MS = 10_000;

export function createHubSpotEmulator(options: HubSpotEmulatorOptions = {}) {
  const now = options.now ?? Date.now;
  const token = options.token ?? 'pat-na1-emulator-token';
  const limit = options.limitPer10s ?? 100;
  const owners = new Map((options.owners ?? []).map((o) => [o.id, { ...o }]));
  const companies = new Map<string, HubSpotRecord>();
  const tasks = new Map<string, HubSpotRecord>();
  const notes = new Map<string, HubSpotRecord>();
  const groups = new Map<string, { name: string; label: string; displayOrder: number; archived: boolean }>();
  const properties = new Map<string, Record<string, unknown>>(
    DEFAULT_COMPANY_PROPERTIES.map((name) => [
      name,
      { name, label: name, type: 'string', groupName: 'companyinformation' },
    ]),
  );
  const requests: HubSpotRequest[] = [];
  const failures: { route: string; status: number; remaining: number }[] = [];
  let recent: number[] = [];
  let nextId = 1000;
  let server: Server | undefined;
  let port: number | undefined;
  const sockets = new Set<Socket>();

  const iso = () => new Date(now()).toISOString();
  const record = (props: Record<string, string | null>, companyIds: string[] = []): HubSpotRecord => ({
    id: String(nextId++),
    properties: { ...props, hs_object_id: null, createdate: iso(), hs_lastmodifieddate: iso() },
    createdAt: iso(),
    updatedAt: iso(),
    archived: false,
    companies: companyIds,
  });
  function addCompany(seed: HubSpotCompanySeed): void {
    const company = record({ name: seed.name, domain: seed.domain, hubspot_owner_id: seed.ownerId ?? null });
    company.id = seed.id;
    company.properties.hs_object_id = seed.id;
    companies.set(seed.id, company);
  }
  for (const seed of options.companies ?? []) addCompany(seed);

  /** HubSpot's error body: `{status: "error", message, correlationId, category}`. */
  const error = (status: number, category: string, message: string, extra: Record<string, unknown> = {}) => ({
    status,
    body: { status: 'error', message, correlationId: randomUUID(), category, ...extra },
  });
  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

  function publicRecord(r: HubSpotRecord, wanted?: string[]): Record<string, unknown> {
    const props =
      wanted === undefined
        ? r.properties
        : Object.fromEntries(
            [...new Set([...wanted, 'hs_object_id', 'createdate', 'hs_lastmodifieddate'])].map((k) => [
              k,
              r.properties[k] ?? null,
            ]),
          );
    return {
      id: r.id,
      properties: { ...props, hs_object_id: r.id },
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      archived: r.archived,
    };
  }

  /** Checks `properties` of a create or update: strings only (HubSpot takes every value as a string). */
  function propertyValues(body: unknown): Record<string, string | null> | Answer {
    const values = (body as { properties?: unknown } | null)?.properties;
    if (values === null || typeof values !== 'object' || Array.isArray(values))
      return error(400, 'VALIDATION_ERROR', 'Invalid input JSON: properties must be an object');
    for (const [key, value] of Object.entries(values)) {
      if (
        value !== null &&
        typeof value !== 'string' &&
        typeof value !== 'number' &&
        typeof value !== 'boolean'
      )
        return error(400, 'VALIDATION_ERROR', `Property values were not valid: ${key} must be a string`);
    }
    return Object.fromEntries(
      Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, v === null ? null : String(v)]),
    );
  }

  /** `associations: [{to: {id}, types: [{associationCategory, associationTypeId}]}]` → company ids. */
  function associatedCompanies(body: unknown, typeId: number): string[] | Answer {
    const list = (body as { associations?: unknown } | null)?.associations ?? [];
    if (!Array.isArray(list)) return error(400, 'VALIDATION_ERROR', 'associations must be an array');
    const ids: string[] = [];
    for (const a of list as {
      to?: { id?: unknown };
      types?: { associationCategory?: unknown; associationTypeId?: unknown }[];
    }[]) {
      const id = String(a?.to?.id ?? '');
      const type = a?.types?.[0];
      if (type?.associationCategory !== 'HUBSPOT_DEFINED' || type.associationTypeId !== typeId)
        return error(400, 'VALIDATION_ERROR', `association type must be HUBSPOT_DEFINED ${typeId}`);
      if (!companies.has(id)) return error(400, 'VALIDATION_ERROR', `company ${id} does not exist`);
      ids.push(id);
    }
    return ids;
  }

  const isAnswer = (value: unknown): value is Answer =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    'status' in value &&
    typeof (value as Answer).status === 'number';

  function engagement(
    kind: 'task' | 'note',
    store: Map<string, HubSpotRecord>,
    method: string,
    id: string | null,
    body: unknown,
    query: URLSearchParams,
  ): Answer {
    if (method === 'POST' && id === null) {
      const values = propertyValues(body);
      if (isAnswer(values)) return values;
      if (!values.hs_timestamp)
        return error(400, 'VALIDATION_ERROR', 'Property values were not valid: hs_timestamp is required');
      if (values.hubspot_owner_id && !owners.has(values.hubspot_owner_id))
        return error(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: owner ${values.hubspot_owner_id} does not exist`,
        );
      const linked = associatedCompanies(body, kind === 'task' ? TASK_TO_COMPANY : NOTE_TO_COMPANY);
      if (isAnswer(linked)) return linked;
      const created = record(kind === 'task' ? { hs_task_status: 'NOT_STARTED', ...values } : values, linked);
      store.set(created.id, created);
      return { status: 201, body: publicRecord(created) };
    }
    const found = id === null ? undefined : store.get(id);
    if (!found || found.archived) return error(404, 'OBJECT_NOT_FOUND', 'resource not found');
    if (method === 'GET')
      return { status: 200, body: publicRecord(found, query.get('properties')?.split(',')) };
    if (method === 'PATCH') {
      const values = propertyValues(body);
      if (isAnswer(values)) return values;
      if (values.hubspot_owner_id && !owners.has(values.hubspot_owner_id))
        return error(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: owner ${values.hubspot_owner_id} does not exist`,
        );
      Object.assign(found.properties, values, { hs_lastmodifieddate: iso() });
      found.updatedAt = iso();
      return { status: 200, body: publicRecord(found) };
    }
    if (method === 'DELETE') {
      found.archived = true;
      return { status: 204 };
    }
    return error(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  }

  type Handler = (params: string[], query: URLSearchParams, body: unknown, method: string) => Answer;
  /** `[methods, path pattern, handler]`, first match wins. */
  const routes: [string[], RegExp, Handler][] = [
    [['POST'], /^\/crm\/v3\/objects\/companies\/search$/, (_p, _q, body) => searchCompanies(body)],
    [
      ['GET', 'PATCH'],
      /^\/crm\/v3\/objects\/companies\/([^/]+)$/,
      ([id], query, body, method) => companyAt(id!, query, body, method),
    ],
    [
      ['GET'],
      /^\/crm\/v3\/owners\/?$/,
      (_p, query) => {
        const email = query.get('email')?.toLowerCase();
        const results = [...owners.values()].filter(
          (o) => email === undefined || o.email.toLowerCase() === email,
        );
        return { status: 200, body: { results: results.map(publicOwner) } };
      },
    ],
    [
      ['GET'],
      /^\/crm\/v3\/owners\/([^/]+)$/,
      ([id]) => {
        const owner = owners.get(id!);
        return owner
          ? { status: 200, body: publicOwner(owner) }
          : error(404, 'OBJECT_NOT_FOUND', 'owner not found');
      },
    ],
    [['POST'], /^\/crm\/v3\/properties\/companies\/groups$/, (_p, _q, body) => createGroup(body)],
    [
      ['GET'],
      /^\/crm\/v3\/properties\/companies\/groups\/([^/]+)$/,
      ([name]) => {
        const group = groups.get(name!);
        return group
          ? { status: 200, body: group }
          : error(404, 'OBJECT_NOT_FOUND', 'Unable to find property group');
      },
    ],
    [['POST'], /^\/crm\/v3\/properties\/companies$/, (_p, _q, body) => createProperty(body)],
    [
      ['GET'],
      /^\/crm\/v3\/properties\/companies\/([^/]+)$/,
      ([name]) => {
        const property = properties.get(name!);
        return property
          ? { status: 200, body: property }
          : error(404, 'OBJECT_NOT_FOUND', 'property not found');
      },
    ],
    [
      ['POST'],
      /^\/crm\/v3\/objects\/tasks$/,
      (_p, q, body, method) => engagement('task', tasks, method, null, body, q),
    ],
    [
      ['GET', 'PATCH', 'DELETE'],
      /^\/crm\/v3\/objects\/tasks\/([^/]+)$/,
      ([id], q, body, method) => engagement('task', tasks, method, id!, body, q),
    ],
    [
      ['POST'],
      /^\/crm\/v3\/objects\/notes$/,
      (_p, q, body, method) => engagement('note', notes, method, null, body, q),
    ],
    [
      ['GET', 'PATCH', 'DELETE'],
      /^\/crm\/v3\/objects\/notes\/([^/]+)$/,
      ([id], q, body, method) => engagement('note', notes, method, id!, body, q),
    ],
  ];

  function route(method: string, path: string, query: URLSearchParams, body: unknown): Answer {
    for (const [methods, pattern, handler] of routes) {
      const match = pattern.exec(path);
      if (match && methods.includes(method))
        return handler(match.slice(1).map(decodeURIComponent), query, body, method);
    }
    return error(404, 'OBJECT_NOT_FOUND', `no route for ${method} ${path}`);
  }

  function searchCompanies(body: unknown): Answer {
    const request = body as {
      filterGroups?: { filters?: { propertyName?: string; operator?: string; value?: unknown }[] }[];
      properties?: string[];
      limit?: number;
    } | null;
    const byDomain = request?.filterGroups?.[0]?.filters?.find(
      (f) => f.propertyName === 'domain' && f.operator === 'EQ',
    );
    if (options.portal && typeof byDomain?.value === 'string') {
      const domain = byDomain.value.toLowerCase();
      const known = [...companies.values()].some((c) => c.properties.domain?.toLowerCase() === domain);
      const made = known ? undefined : options.portal(domain);
      if (made) addCompany({ ...made, id: String(nextId++) });
    }
    const matches = [...companies.values()].filter(
      (c) =>
        !c.archived &&
        (request?.filterGroups ?? []).some((g) =>
          (g.filters ?? []).every(
            (f) =>
              f.operator === 'EQ' &&
              String(c.properties[f.propertyName ?? ''] ?? '').toLowerCase() ===
                String(f.value).toLowerCase(),
          ),
        ),
    );
    const page = matches.slice(0, Math.min(request?.limit ?? 10, 200));
    const wanted = request?.properties ?? ['name', 'domain'];
    return {
      status: 200,
      body: { total: matches.length, results: page.map((c) => publicRecord(c, wanted)) },
    };
  }

  function companyAt(id: string, query: URLSearchParams, body: unknown, method: string): Answer {
    const company = companies.get(id);
    if (!company || company.archived) return error(404, 'OBJECT_NOT_FOUND', 'resource not found');
    if (method === 'GET')
      return { status: 200, body: publicRecord(company, query.get('properties')?.split(',')) };
    const values = propertyValues(body);
    if (isAnswer(values)) return values;
    const unknown = Object.keys(values).filter((k) => !properties.has(k));
    const badOption = Object.entries(values).find(([k, v]) => {
      const options = properties.get(k)?.options as { value: string }[] | undefined;
      return options !== undefined && v !== null && v !== '' && !options.some((o) => o.value === v);
    });
    if (badOption)
      return error(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${badOption[1]} is not an allowed option for ${badOption[0]}`,
      );
    if (unknown.length > 0) {
      const problems = unknown.map((name) => ({
        isValid: false,
        message: `Property "${name}" does not exist`,
        error: 'PROPERTY_DOESNT_EXIST',
        name,
      }));
      return error(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(problems)}`);
    }
    Object.assign(company.properties, values, { hs_lastmodifieddate: iso() });
    company.updatedAt = iso();
    return { status: 200, body: publicRecord(company) };
  }

  function createGroup(body: unknown): Answer {
    const group = body as { name?: unknown; label?: unknown; displayOrder?: unknown } | null;
    if (typeof group?.name !== 'string' || typeof group.label !== 'string')
      return error(400, 'VALIDATION_ERROR', 'name and label are required');
    if (groups.has(group.name))
      return error(409, 'OBJECT_ALREADY_EXISTS', `Property group ${group.name} already exists`);
    const created = {
      name: group.name,
      label: group.label,
      displayOrder: Number(group.displayOrder ?? -1),
      archived: false,
    };
    groups.set(group.name, created);
    return { status: 201, body: created };
  }

  function createProperty(body: unknown): Answer {
    const property = body as {
      name?: unknown;
      type?: unknown;
      fieldType?: unknown;
      groupName?: unknown;
    } | null;
    if (
      typeof property?.name !== 'string' ||
      typeof property.type !== 'string' ||
      typeof property.fieldType !== 'string'
    )
      return error(400, 'VALIDATION_ERROR', 'name, type and fieldType are required');
    if (typeof property.groupName !== 'string' || !groups.has(property.groupName))
      return error(400, 'VALIDATION_ERROR', `property group ${String(property.groupName)} does not exist`);
    if (properties.has(property.name)) return error(409, 'OBJECT_ALREADY_EXISTS', 'Property already exists');
    const options = (property as { options?: unknown }).options;
    if (property.type === 'enumeration') {
      const valid =
        Array.isArray(options) &&
        options.length > 0 &&
        options.every(
          (o: { label?: unknown; value?: unknown; hidden?: unknown }) =>
            typeof o?.label === 'string' && typeof o.value === 'string' && typeof o.hidden === 'boolean',
        );
      if (!valid)
        return error(
          400,
          'VALIDATION_ERROR',
          'enumeration properties need options, each with label, value and hidden',
        );
    }
    properties.set(property.name, { ...property });
    return { status: 201, body: { ...property, archived: false } };
  }

  /** The route's template, for failures: ids become `{id}`. */
  const templateOf = (method: string, path: string) => `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;

  function rateLimitHeaders(remaining: number): Record<string, string> {
    return {
      'x-hubspot-ratelimit-interval-milliseconds': String(WINDOW_MS),
      'x-hubspot-ratelimit-max': String(limit),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, remaining)),
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    let body: unknown = null;
    let answer: Answer;
    try {
      body = text === '' ? null : JSON.parse(text);
      answer = answerFor(method, url, body, request.headers.authorization);
    } catch {
      answer = error(400, 'VALIDATION_ERROR', 'Invalid input JSON');
    }
    requests.push({ method, path: `${url.pathname}${url.search}`, body, status: answer.status });
    const headers = {
      ...answer.headers,
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json;charset=utf-8' }),
    };
    response
      .writeHead(answer.status, headers)
      .end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  function answerFor(method: string, url: URL, body: unknown, authorization: string | undefined): Answer {
    if (authorization !== `Bearer ${token}`)
      return error(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
      );
    const at = now();
    recent = recent.filter((t) => t > at - WINDOW_MS);
    if (recent.length >= limit) {
      const limited = error(429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      });
      return { ...limited, headers: rateLimitHeaders(0) };
    }
    recent.push(at);
    const template = templateOf(method, url.pathname);
    const failure = failures.find((f) => f.route === template || f.route === '*');
    if (failure) {
      failure.remaining--;
      if (failure.remaining <= 0) failures.splice(failures.indexOf(failure), 1);
      const failed =
        failure.status === 429
          ? error(429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
              errorType: 'RATE_LIMIT',
              policyName: 'TEN_SECONDLY_ROLLING',
            })
          : error(
              failure.status,
              failure.status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR',
              `injected failure ${failure.status}`,
            );
      return { ...failed, headers: rateLimitHeaders(failure.status === 429 ? 0 : limit - recent.length) };
    }
    const answer = route(method, url.pathname, url.searchParams, body);
    return { ...answer, headers: { ...answer.headers, ...rateLimitHeaders(limit - recent.length) } };
  }

  const visible = (store: Map<string, HubSpotRecord>) => [...store.values()].filter((r) => !r.archived);

  return {
    async start(): Promise<void> {
      server = createServer((req, res) => {
        handle(req, res).catch(() => res.destroy());
      });
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    },
    async stop(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
    /** `http://127.0.0.1:<port>`, for `HUBSPOT_API_URL`. Throws before `start()`. */
    get url(): string {
      if (port === undefined) throw new Error('HubSpot emulator not started: call start() first');
      return `http://127.0.0.1:${port}`;
    },
    token,
    /** The next `times` requests to `route` (`PATCH /crm/v3/objects/companies/{id}`, or `*`) answer `status`. */
    fail(routeName: string, failure: HubSpotFailure): void {
      failures.push({ route: routeName, status: failure.status, remaining: failure.times ?? 1 });
    },
    requests,
    company: (id: string) => companies.get(id),
    /** Companies pls has written to (they carry `pls_updated_at`), most recent first. */
    companiesTouched: () =>
      [...companies.values()]
        .filter((c) => c.properties.pls_updated_at)
        .sort((a, b) =>
          String(b.properties.pls_updated_at).localeCompare(String(a.properties.pls_updated_at)),
        ),
    /** Tasks not archived (deleted). */
    tasks: () => visible(tasks),
    archivedTasks: () => [...tasks.values()].filter((t) => t.archived),
    notes: () => visible(notes),
    propertyGroup: (name: string) => groups.get(name),
    hasProperty: (name: string) => properties.has(name),
    owner: (id: string) => owners.get(id),
    /** Deletes a company, as a HubSpot user merging or removing it would. */
    archiveCompany(id: string): void {
      const company = companies.get(id);
      if (!company) throw new Error(`no company ${id}`);
      company.archived = true;
    },
    waitFor,
  };
}

function publicOwner(o: HubSpotOwner): Record<string, unknown> {
  return {
    id: o.id,
    email: o.email,
    firstName: o.firstName,
    lastName: o.lastName,
    userId: o.userId,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    archived: false,
  };
}

export type HubSpotEmulator = ReturnType<typeof createHubSpotEmulator>;
