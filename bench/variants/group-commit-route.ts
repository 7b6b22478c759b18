import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Db } from '../../src/db/client.js';
import type { StoreResult } from '../../src/db/event-store.js';
import type { UsageEvent } from '../../src/domain/usage-event.js';
import { requiredMessage, toFieldErrors } from '../../src/ingest/field-errors.js';
import { type FieldError, HttpError, sendJson } from '../../src/ingest/http-error.js';
import {
  fromNativeEvent,
  nativeBatchSchema,
  nativeEventSchema,
} from '../../src/ingest/native-event-schema.js';
import { parseJson, readBody } from '../../src/ingest/read-body.js';
import { WEBHOOK_BODY_LIMIT } from '../../src/ingest/webhook-route.js';

/**
 * A bench-only prototype of the fix this benchmark recommends for single-event ingest, built
 * from pls's own ingest pieces (readBody, the zod schemas, fromNativeEvent, the insert SQL):
 *
 **group commit**: requests whose bodies were read in the same event-loop turn are stored in
 * one transaction — one WAL fsync for all of them instead of one each — and every one is
 * answered 202 only after that commit returned, so "a 2xx means on disk" still holds.
 * Guard order and answers are the same as src/ingest/webhook-route.ts.
 */
export function createGroupCommitWebhookRoute(deps: {
  secret: string;
  db: Db;
  now: () => number;
  onStored: (result: StoreResult) => void;
}) {
  const verify = libraryVerifier(deps.secret);
  const store = createGroupCommitStore(deps.db, deps.now);

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, WEBHOOK_BODY_LIMIT);
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!(type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))))
      throw new HttpError(415, 'content-type must be application/json');
    verify(body, req);
    const batch = parseEvents(parseJson(body));
    const result = await store(batch);
    deps.onStored(result);
    sendJson(res, 202, result);
  };
}

type Verify = (body: Buffer, req: IncomingMessage) => void;

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
};

function headersOf(req: IncomingMessage) {
  const headers = {
    'webhook-id': header(req, 'webhook-id'),
    'webhook-timestamp': header(req, 'webhook-timestamp'),
    'webhook-signature': header(req, 'webhook-signature'),
  };
  const missing = Object.entries(headers)
    .filter(([, value]) => value === '')
    .map(([name]) => name);
  if (missing.length > 0) throw new HttpError(401, `missing ${missing.join(', ')} header`);
  return headers;
}

function libraryVerifier(secret: string): Verify {
  const webhook = new Webhook(secret);
  return (body, req) => {
    try {
      webhook.verify(body, headersOf(req), { jsonParse: false });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      throw new HttpError(401, `signature rejected: ${error.message.toLowerCase()} (tolerance ±5 minutes)`);
    }
  };
}

function parseEvents(json: unknown): UsageEvent[] {
  const isBatch = typeof json === 'object' && json !== null && !Array.isArray(json) && 'events' in json;
  if (!isBatch) {
    const single = nativeEventSchema.safeParse(json, requiredMessage);
    if (!single.success) throw new HttpError(400, 'invalid body', toFieldErrors(single.error));
    return [fromNativeEvent(single.data)];
  }
  const batch = nativeBatchSchema.safeParse(json, requiredMessage);
  if (!batch.success) throw new HttpError(400, 'invalid body', toFieldErrors(batch.error));
  const errors: FieldError[] = [];
  const parsed: UsageEvent[] = [];
  batch.data.events.forEach((raw, index) => {
    const event = nativeEventSchema.safeParse(raw, requiredMessage);
    if (event.success) parsed.push(fromNativeEvent(event.data));
    else errors.push(...toFieldErrors(event.error, ['events', index]));
  });
  if (errors.length > 0) throw new HttpError(400, 'invalid body', errors);
  return parsed;
}

/**
 * The event store with group commit: `store()` queues the request's events and resolves after
 * the transaction that holds them has committed. The queue is flushed on `setImmediate`, i.e.
 * after every request whose body completed in this turn of the event loop has been queued.
 */
export function createGroupCommitStore(db: Db, now: () => number) {
  const insert = db.$client.prepare<unknown[], { seq: number }>(
    `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (id) do nothing
     returning seq`,
  );
  const storeOne = (batch: UsageEvent[], receivedAt: number): StoreResult => {
    let accepted = 0;
    for (const event of batch) {
      const row = insert.get(
        event.id,
        event.source,
        event.type,
        event.accountId,
        event.userId,
        event.occurredAt,
        receivedAt,
        JSON.stringify(event.properties),
        jsonOrNull(event.account),
        jsonOrNull(event.user),
      );
      if (row) accepted++;
    }
    return { accepted, duplicates: batch.length - accepted };
  };
  interface Waiting {
    batch: UsageEvent[];
    resolve: (result: StoreResult) => void;
    reject: (error: unknown) => void;
  }
  let queue: Waiting[] = [];
  const commitAll = db.$client.transaction((group: Waiting[], receivedAt: number) =>
    group.map((w) => storeOne(w.batch, receivedAt)),
  );
  const storeAlone = db.$client.transaction(storeOne);

  const flush = () => {
    const group = queue;
    queue = [];
    const receivedAt = now();
    try {
      const results = commitAll(group, receivedAt);
      for (const [i, w] of group.entries()) w.resolve(results[i]!);
    } catch {
      // One request's failure must not fail the others: retry each in its own transaction.
      for (const w of group) {
        try {
          w.resolve(storeAlone(w.batch, receivedAt));
        } catch (error) {
          w.reject(error);
        }
      }
    }
  };

  return (batch: UsageEvent[]): Promise<StoreResult> => {
    if (batch.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ batch, resolve, reject });
    });
  };
}

function jsonOrNull(patch: object | null): string | null {
  return patch && Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
