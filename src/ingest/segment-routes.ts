import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { EventStore, StoreResult } from '../db/event-store.js';
import type { UsageEvent } from '../domain/usage-event.js';
import { requiredMessage, toFieldErrors } from './field-errors.js';
import { type FieldError, HttpError, sendJson } from './http-error.js';
import { depthError } from './json-depth.js';
import { jsonSizeBound } from './json-size-bound.js';
import { decodeContent, parseJson, readBody } from './read-body.js';
import { fromSegmentMessage, type SegmentType, segmentMessageSchema } from './segment-message.js';
import { unstorableTextError } from './unstorable-text.js';

/** Segment's own limits (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size). */
const MESSAGE_LIMIT = 32 * 1024;
const BATCH_LIMIT = 500 * 1024;

export interface SegmentRouteDeps {
  writeKey: string | null;
  store: EventStore;
  now: () => number;
  /** Called once the request's events are on disk: wakes the scoring processor, counts metrics. */
  onStored: (source: 'segment', result: StoreResult & { rejected?: number }) => void;
}

/**
 * `POST /v1/track|identify|group|batch`: what Segment's and RudderStack's server SDKs send,
 * so an instrumented product only changes its `host`. Bodies are JSON whatever the content type
 * says (RudderStack labels gzipped JSON as form data), gunzipped when `Content-Encoding: gzip`.
 */
export function createSegmentRoutes(deps: SegmentRouteDeps) {
  const single = (type: SegmentType) => async (req: IncomingMessage, res: ServerResponse) => {
    const json = await readJson(req, MESSAGE_LIMIT);
    authorise(req, json, deps.writeKey);
    const unreadable = depthError(json) ?? unstorableTextError(json);
    if (unreadable) throw new HttpError(400, 'invalid message', [unreadable]);
    const parsed = segmentMessageSchema.safeParse({ ...asObject(json), type }, requiredMessage);
    if (!parsed.success) throw new HttpError(400, 'invalid message', toFieldErrors(parsed.error));
    const result = await deps.store.commit([fromSegmentMessage(parsed.data, deps.now())]);
    deps.onStored('segment', result);
    sendJson(res, 200, { success: true, ...result });
  };

  /**
   * The SDKs drop a whole batch on a 4xx and never retry it, so one bad message must not cost
   * the others: valid ones are stored, invalid ones listed by index, and the answer is 200.
   */
  const batch = async (req: IncomingMessage, res: ServerResponse) => {
    const json = await readJson(req, BATCH_LIMIT);
    authorise(req, json, deps.writeKey);
    // The envelope is checked without its messages: a message too deep (or holding text no engine stores) is that message's problem.
    const outer = withoutMessages(json);
    const envelopeUnreadable = depthError(outer) ?? unstorableTextError(outer);
    if (envelopeUnreadable) throw new HttpError(400, 'invalid batch', [envelopeUnreadable]);
    const envelope = batchSchema.safeParse(json, requiredMessage);
    if (!envelope.success) throw new HttpError(400, 'invalid batch', toFieldErrors(envelope.error));
    const receivedAt = deps.now();
    const events: UsageEvent[] = [];
    const rejected: { index: number; errors: FieldError[] }[] = [];
    envelope.data.batch.forEach((raw, index) => {
      // Before the size bound, which recurses: depth first bounds how far it can go.
      const unreadable = depthError(raw) ?? unstorableTextError(raw);
      if (unreadable) {
        rejected.push({ index, errors: [unreadable] });
        return;
      }
      if (
        jsonSizeBound(raw, MESSAGE_LIMIT) > MESSAGE_LIMIT &&
        Buffer.byteLength(JSON.stringify(raw)) > MESSAGE_LIMIT
      ) {
        rejected.push({ index, errors: [{ path: '(message)', message: 'message over 32 KB' }] });
        return;
      }
      const message = segmentMessageSchema.safeParse(raw, requiredMessage);
      if (message.success) events.push(fromSegmentMessage(message.data, receivedAt));
      else rejected.push({ index, errors: toFieldErrors(message.error) });
    });
    const result = await deps.store.commit(events);
    deps.onStored('segment', { ...result, rejected: rejected.length });
    sendJson(res, 200, { success: true, ...result, rejected });
  };

  return {
    track: single('track'),
    identify: single('identify'),
    group: single('group'),
    page: single('page'),
    screen: single('screen'),
    batch,
  };
}

const batchSchema = z.looseObject({ batch: z.array(z.unknown()) });

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  // The wire size may be smaller than the inflated one; bound the compressed read by the same limit.
  const raw = await readBody(req, limit);
  return parseJson(decodeContent(req, raw, limit));
}

function withoutMessages(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  return 'batch' in json && Array.isArray(json.batch) ? { ...json, batch: [] } : json;
}

function asObject(json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpError(400, 'body must be a JSON object');
  }
  return json as Record<string, unknown>;
}

/** HTTP Basic with the write key as username (what both SDKs send), or `writeKey` in the body. */
function authorise(req: IncomingMessage, json: unknown, writeKey: string | null): void {
  if (!writeKey) throw new HttpError(401, 'the Segment-compatible endpoints are off: set PLS_WRITE_KEY');
  const fromHeader = basicUsername(req.headers.authorization);
  // A key that is not text is a wrong key; String() on a deeply nested array would recurse.
  const fromBody =
    typeof json === 'object' && json !== null && 'writeKey' in json
      ? typeof json.writeKey === 'string'
        ? json.writeKey
        : ''
      : null;
  if (fromHeader === null && fromBody === null) {
    throw new HttpError(401, 'missing write key: send it as the Basic auth username or as writeKey');
  }
  if (!(sameKey(fromHeader, writeKey) || sameKey(fromBody, writeKey)))
    throw new HttpError(401, 'invalid write key');
}

function basicUsername(authorization: string | undefined): string | null {
  const match = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

function sameKey(candidate: string | null, expected: string): boolean {
  if (candidate === null) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
