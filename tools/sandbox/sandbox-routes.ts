import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SlackEmulator } from '../emulator/emulator-types.js';
import type { HubSpotEmulator } from '../emulator/hubspot-emulator.js';
import { renderCrmPage } from './crm-page.js';
import { PAGE_SCRIPT, PAGE_STYLES, renderPage } from './page-html.js';
import { createPageViews, DM_PANE, HOME_PANE } from './page-views.js';
import type { SandboxSlack } from './slack-client.js';
import type { TrafficPlayer } from './traffic-player.js';
import type { Workspace } from './workspace.js';

/**
 * `/sandbox…` on the bot's own port: the page, its script and styles, the small JSON API the
 * page calls, and the `response_url`s handed to pls. Everything else is left to pls.
 *
 * The API changes things only on `POST` with a JSON body from the page's own origin: a form on
 * another site cannot send that without a CORS preflight, which this never answers.
 */
const MAX_BODY = 64 * 1024;
/**
 * A page that polled within this long still has someone at its keyboard, as the person it last
 * showed (colleagues keep off them). Long enough for a tab in the background, whose timers a
 * browser slows to one a minute; a page that picks someone else lets the previous one go at once.
 */
const WATCH_MS = 90_000;
/** Pages remembered at most (their ids come from browsers). */
const MAX_PAGES = 200;
const pageId = /^[A-Za-z0-9-]{8,64}$/;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4a154b"/><text x="16" y="21" font-family="Arial" font-size="13" font-weight="700" fill="#fff" text-anchor="middle">pls</text></svg>';

const STATIC_FILES: Record<string, { type: string; body: string }> = {
  '/sandbox/app.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  '/sandbox/app.css': { type: 'text/css; charset=utf-8', body: PAGE_STYLES },
  '/sandbox/favicon.svg': { type: 'image/svg+xml', body: FAVICON },
};

const userId = z.string().regex(/^[UW][A-Z0-9]+$/);
const containerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message'),
    channel: z.string().min(1).max(40),
    ts: z.string().regex(/^\d+\.\d+$/),
  }),
  z.object({ type: z.literal('ephemeral'), id: z.string().min(1).max(200) }),
  z.object({ type: z.literal('view'), viewId: z.string().min(1).max(40) }),
]);
const actionSchema = z.object({
  type: z.literal('button'),
  block_id: z.string().max(255),
  action_id: z.string().min(1).max(255),
  text: z.string().max(300),
  value: z.string().max(2000).optional(),
  style: z.string().max(20).optional(),
});
const schemas = {
  press: z.object({ as: userId, container: containerSchema, action: actionSchema }),
  submit: z.object({
    as: userId,
    view_id: z.string().min(1).max(40),
    values: z.record(z.string(), z.record(z.string(), z.string().max(10_000).nullable())),
  }),
  close: z.object({ as: userId, view_id: z.string().min(1).max(40) }),
  command: z.object({ as: userId, pane: z.string().max(40), text: z.string().min(1).max(4_000) }),
  say: z.object({ as: userId, pane: z.string().max(40), text: z.string().min(1).max(4_000) }),
  home: z.object({ as: userId }),
  demo: z.object({ action: z.enum(['pause', 'resume', 'hot']) }),
};

export function createSandboxRoutes(deps: {
  emulator: SlackEmulator;
  workspace: Workspace;
  slack: SandboxSlack;
  traffic: TrafficPlayer;
  colleagues: boolean;
  /** The `/pls` subcommands a person may run (the command chips). */
  commands: (userId: string) => { name: string; usage: string; summary: string }[];
  /** The emulated HubSpot portal pls writes back to: its records at /sandbox/hubspot. */
  hubspot?: HubSpotEmulator;
  /** The manifest's time zone: the HubSpot page shows times in it. */
  zone?: string;
  now?: () => number;
}) {
  const { emulator, workspace, slack, traffic } = deps;
  const now = deps.now ?? Date.now;
  const views = createPageViews({
    emulator,
    workspace,
    slack,
    traffic: () => traffic.status(),
    colleagues: deps.colleagues,
    commands: deps.commands,
  });
  const page = renderPage(workspace).value;
  /** Who each open page is, and when it last asked: who is at a keyboard. */
  const pages = new Map<string, { as: string; seen: number }>();

  function seen(page: string | null, as: string): void {
    const at = now();
    // A page without an id of its own (a script calling the API) counts as one page per person.
    const key = page !== null && pageId.test(page) ? page : `as:${as}`;
    pages.delete(key);
    pages.set(key, { as, seen: at });
    for (const [id, entry] of pages) {
      if (pages.size <= MAX_PAGES && at - entry.seen < WATCH_MS) break;
      pages.delete(id);
    }
  }

  /** The channel a pane stands for; commands typed in the Home pane go to the DM, as in Slack. */
  function channelOf(as: string, pane: string): string {
    if (pane === HOME_PANE || pane === DM_PANE) return workspace.dmOf(as);
    return workspace.channel(pane)?.id ?? workspace.homeChannelOf(as);
  }

  function person(as: string): string {
    if (!workspace.person(as)) throw new RequestError(400, `${as} is not in the sandbox workspace`);
    return as;
  }

  const api: Record<keyof typeof schemas, (body: never) => Promise<Record<string, unknown>>> = {
    press: async (body: z.infer<typeof schemas.press>) =>
      asResult(await slack.press(person(body.as), body.container, body.action)),
    submit: async (body: z.infer<typeof schemas.submit>) => {
      const result = await slack.submit(person(body.as), body.view_id, body.values);
      return result.ok ? { ok: true, errors: result.errors ?? {} } : { ok: false, error: result.error };
    },
    close: async (body: z.infer<typeof schemas.close>) => {
      slack.closeModal(person(body.as), body.view_id);
      return { ok: true };
    },
    command: async (body: z.infer<typeof schemas.command>) =>
      asResult(await slack.command(person(body.as), channelOf(body.as, body.pane), body.text)),
    say: async (body: z.infer<typeof schemas.say>) => {
      slack.say(person(body.as), channelOf(body.as, body.pane), body.text);
      return { ok: true };
    },
    home: async (body: z.infer<typeof schemas.home>) => asResult(await slack.openHome(person(body.as))),
    demo: async (body: z.infer<typeof schemas.demo>) => {
      if (body.action === 'pause') traffic.pause();
      else if (body.action === 'resume') traffic.resume();
      else return { ok: true, account: await traffic.makeHot() };
      return { ok: true };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/sandbox' || path === '/sandbox/')) {
      return send(res, 200, 'text/html; charset=utf-8', page, { 'content-security-policy': CSP });
    }
    if (req.method === 'GET' && path === '/sandbox/hubspot' && deps.hubspot) {
      return send(
        res,
        200,
        'text/html; charset=utf-8',
        renderCrmPage(deps.hubspot, deps.zone ?? 'UTC').value,
        {
          'content-security-policy': CSP,
        },
      );
    }
    const file = STATIC_FILES[path];
    if (req.method === 'GET' && file) return send(res, 200, file.type, file.body);
    if (req.method === 'GET' && path === '/sandbox/api/state') {
      const as = person(url.searchParams.get('as') ?? '');
      seen(url.searchParams.get('page'), as);
      const state = views.state(as, url.searchParams.get('pane') ?? '');
      const body = url.searchParams.get('since') === state.version ? { unchanged: true } : state;
      return sendJson(res, 200, body);
    }
    const response = /^\/sandbox\/response\/([A-Za-z0-9]+)$/.exec(path);
    if (req.method === 'POST' && response) {
      // pls posting to a response_url it was given: JSON, as Slack takes it.
      const body = asObject(JSON.parse((await readBody(req)) || '{}'));
      return slack.respond(response[1]!, body)
        ? sendJson(res, 200, { ok: true })
        : sendJson(res, 404, { ok: false, error: 'expired_url' });
    }
    const call = /^\/sandbox\/api\/([a-z]+)$/.exec(path)?.[1] as keyof typeof schemas | undefined;
    if (req.method === 'POST' && call && call in schemas) {
      if (!req.headers['content-type']?.startsWith('application/json')) {
        throw new RequestError(415, 'send JSON (content-type: application/json)');
      }
      const origin = req.headers.origin;
      if (origin !== undefined && new URL(origin).host !== req.headers.host) {
        throw new RequestError(403, 'cross-origin requests are refused');
      }
      const parsed = schemas[call].safeParse(JSON.parse((await readBody(req)) || '{}'));
      if (!parsed.success) {
        throw new RequestError(
          400,
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      }
      const result = await api[call](parsed.data as never);
      return sendJson(res, result.ok === false ? 422 : 200, result);
    }
    sendJson(res, 404, { ok: false, error: `no sandbox route for ${req.method} ${path}` });
  }

  return {
    /** True when the request was the sandbox's to answer. */
    intercept(req: IncomingMessage, res: ServerResponse): boolean {
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(302, { location: '/sandbox' }).end();
        return true;
      }
      if (url.pathname !== '/sandbox' && !url.pathname.startsWith('/sandbox/')) return false;
      handle(req, res, url).catch((error: unknown) => {
        if (res.headersSent) return;
        if (error instanceof RequestError) sendJson(res, error.status, { ok: false, error: error.message });
        else if (error instanceof SyntaxError)
          sendJson(res, 400, { ok: false, error: `not JSON: ${error.message}` });
        else sendJson(res, 500, { ok: false, error: error instanceof Error ? error.message : String(error) });
      });
      return true;
    },
    /** Someone is using the sandbox as this person, in some page, now. */
    isWatched(userId: string): boolean {
      const at = now();
      for (const entry of pages.values()) if (entry.as === userId && at - entry.seen < WATCH_MS) return true;
      return false;
    },
  };
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function asResult(outcome: { ok: true } | { ok: false; error: string }): Record<string, unknown> {
  return outcome.ok ? { ok: true } : { ok: false, error: outcome.error };
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RequestError(400, 'expected a JSON object');
  return value as Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RequestError(413, `body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    })
    .end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}
