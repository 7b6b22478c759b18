import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { EventStore, StoreResult } from '../db/event-store.js';
import type { UsageEvent } from '../domain/usage-event.js';
import { requiredMessage, toFieldErrors } from './field-errors.js';
import { type FieldError, HttpError, sendJson } from './http-error.js';
import { depthError } from './json-depth.js';
import { fromNativeEvent, nativeBatchSchema, nativeEventSchema } from './native-event-schema.js';
import { parseJson, readBody } from './read-body.js';
import { unstorableTextError } from './unstorable-text.js';

/** Bodies over 1 MiB are refused (413) before they are read whole. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookRouteDeps {
  secret: string | null;
  store: EventStore;
  /** Called once the request's events are on disk: wakes the scoring processor, counts metrics. */
  onStored: (source: 'webhook', result: StoreResult) => void;
}

/**
 * `POST /webhooks/usage`, a guard pipeline in the documented order (README, "Sending events") —
 * size (413), content type (415), Standard Webhooks signature over the raw bytes (401), body
 * (400: not JSON, nested past 64 levels, invalid fields) — and only then the group commit (see `createEventStore`). The 202 is written after the
 * commit returns.
 */
export function createWebhookRoute(deps: WebhookRouteDeps) {
  const verifier = deps.secret ? new Webhook(deps.secret) : null;

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, WEBHOOK_BODY_LIMIT);
    if (!isJson(req.headers['content-type'])) {
      throw new HttpError(415, 'content-type must be application/json');
    }
    if (!verifier) {
      throw new HttpError(401, 'webhook signing is not configured on this server: set PLS_WEBHOOK_SECRET');
    }
    verify(verifier, body, req);
    const json = parseJson(body);
    const tooDeep = depthError(json);
    if (tooDeep) throw invalid([tooDeep]);
    const unstorable = unstorableTextError(json);
    if (unstorable) throw invalid([unstorable]);
    const batch = parseEvents(json);
    const result = await deps.store.commit(batch);
    deps.onStored('webhook', result);
    sendJson(res, 202, result);
  };
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function verify(verifier: Webhook, body: Buffer, req: IncomingMessage): void {
  const headers = {
    'webhook-id': header(req, 'webhook-id'),
    'webhook-timestamp': header(req, 'webhook-timestamp'),
    'webhook-signature': header(req, 'webhook-signature'),
  };
  const missing = Object.entries(headers)
    .filter(([, value]) => value === '')
    .map(([name]) => name);
  if (missing.length > 0) throw new HttpError(401, `missing ${missing.join(', ')} header`);
  try {
    verifier.verify(body, headers, { jsonParse: false });
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // The library's words: "Message timestamp too old/new", "No matching signature found".
    throw new HttpError(401, `signature rejected: ${error.message.toLowerCase()} (tolerance ±5 minutes)`);
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** One event or `{events: [...]}`; every invalid field of every event is listed, and none is stored. */
function parseEvents(json: unknown): UsageEvent[] {
  const isBatch = typeof json === 'object' && json !== null && !Array.isArray(json) && 'events' in json;
  if (!isBatch) {
    const single = nativeEventSchema.safeParse(json, requiredMessage);
    if (!single.success) throw invalid(toFieldErrors(single.error));
    return [fromNativeEvent(single.data)];
  }
  const batch = nativeBatchSchema.safeParse(json, requiredMessage);
  if (!batch.success) throw invalid(toFieldErrors(batch.error));
  const errors: FieldError[] = [];
  const parsed: UsageEvent[] = [];
  batch.data.events.forEach((raw, index) => {
    const event = nativeEventSchema.safeParse(raw, requiredMessage);
    if (event.success) parsed.push(fromNativeEvent(event.data));
    else errors.push(...toFieldErrors(event.error, ['events', index]));
  });
  if (errors.length > 0) throw invalid(errors);
  return parsed;
}

function invalid(errors: FieldError[]): HttpError {
  return new HttpError(400, 'invalid body', errors);
}
