/**
 * Turns an HTTP request into a Web API call: method from the path, arguments from the query and
 * body, token from the Authorization header or the `token` field.
 *
 * @slack/web-api (WebClient.serializeBody) POSTs `application/x-www-form-urlencoded` and JSON-encodes
 * every non-primitive argument, so `blocks`, `view` and friends arrive as JSON strings; numbers and
 * booleans arrive as strings ("true"). Slack also takes `application/json` bodies, with the token in
 * the Authorization header: https://docs.slack.dev/apis/web-api/#posting-json
 */
import type { IncomingMessage } from 'node:http';
import type { CallArgs } from './emulator-types.js';

/** `headerToken` is the Authorization header's alone: apps.connections.open takes its token only from there. */
export type ParsedRequest =
  /** A call the emulator can dispatch. */
  | {
      kind: 'call';
      method: string;
      args: CallArgs;
      token: string | undefined;
      headerToken: string | undefined;
    }
  /** A call whose body Slack would refuse: answered HTTP 200 `{ ok: false, error }`. */
  | {
      kind: 'refused';
      method: string;
      token: string | undefined;
      headerToken: string | undefined;
      error: string;
    }
  /** Not a Web API request at all: answered with this HTTP status. */
  | { kind: 'not-api'; status: number; message: string };

/** Form fields the Web API takes as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function parseRequest(request: IncomingMessage): Promise<ParsedRequest> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
  if (match?.[1] === undefined) return { kind: 'not-api', status: 404, message: 'not a Web API path' };
  const method = match[1];
  if (request.method !== 'POST' && request.method !== 'GET') {
    return { kind: 'not-api', status: 405, message: 'use POST (or GET)' };
  }

  const body = await readBody(request);
  if (body === 'too-large') return { kind: 'not-api', status: 413, message: 'body too large' };

  const headerToken = bearerToken(request.headers.authorization);
  const decoded = decodeBody(request.headers['content-type'], body);
  if ('error' in decoded)
    return { kind: 'refused', method, token: headerToken, headerToken, error: decoded.error };

  const args: CallArgs = { ...Object.fromEntries(url.searchParams), ...decoded.args };
  const bodyToken = typeof args.token === 'string' ? args.token : undefined;
  delete args.token;
  return { kind: 'call', method, args, token: headerToken ?? bodyToken, headerToken };
}

function decodeBody(contentType: string | undefined, body: Buffer): { args: CallArgs } | { error: string } {
  if (body.length === 0) return { args: {} };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = body.toString('utf8');
  switch (type) {
    case 'application/x-www-form-urlencoded':
      return { args: decodeForm(text) };
    case 'application/json':
      return decodeJson(text);
    case '':
      return { error: 'missing_post_type' };
    default:
      // multipart/form-data is only needed for file uploads, which pls does not do.
      return { error: 'invalid_post_type' };
  }
}

function decodeForm(text: string): CallArgs {
  const args: CallArgs = {};
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = JSON_FIELDS.has(key) ? parseJsonOrKeep(value) : value;
  }
  return args;
}

function decodeJson(text: string): { args: CallArgs } | { error: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { error: 'invalid_json' };
    const args = { ...(parsed as CallArgs) };
    // A JSON body may still carry these as strings (the form habit); decode them the same way.
    for (const key of JSON_FIELDS) {
      const value = args[key];
      if (typeof value === 'string') args[key] = parseJsonOrKeep(value);
    }
    return { args };
  } catch {
    return { error: 'invalid_json' };
  }
}

/** Unparsable JSON stays a string so the method can answer as Slack does (`invalid_blocks_format`). */
function parseJsonOrKeep(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  return size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks);
}
