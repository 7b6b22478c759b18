import { type AccountProfile, createAccounts } from './accounts.js';
import { encodeRequest, type Target } from './http-client.js';
import { createSigner } from './sign.js';
import { createEventIds, createLiveTraffic, type LiveTraffic } from './traffic.js';

/**
 * Signed single-event `POST /webhooks/usage` requests from live traffic, signed ahead of the
 * clock (Standard Webhooks allows ±5 minutes) so the load generator spends its core sending.
 * The pool grows on demand if a run outpaces it; each request carries a new event id.
 */
export interface WebhookPool {
  /** The next request as bytes for `target`. */
  next(): Buffer;
  readonly size: number;
}

export interface SignedEvent {
  headers: Record<string, string>;
  body: string;
}

export function createSignedEvents(options: {
  secret: string;
  accounts?: readonly AccountProfile[];
  seed?: string;
  idPrefix?: string;
}) {
  const accounts = options.accounts ?? createAccounts(20_000, { seed: 'pls-live-accounts' });
  const traffic: LiveTraffic = createLiveTraffic(accounts, {
    seed: options.seed ?? 'pls-live',
    ids: createEventIds(options.idPrefix ?? 'evt_'),
  });
  const sign = createSigner(options.secret);
  return {
    next(at = new Date()): SignedEvent {
      const body = JSON.stringify(traffic.next(at.getTime()));
      return { headers: sign(body, at), body };
    },
  };
}

export function createWebhookPool(
  target: Target,
  options: { secret: string; initial: number; seed?: string; idPrefix?: string },
): WebhookPool {
  const events = createSignedEvents(options);
  const pool: Buffer[] = [];
  const make = () => {
    const { headers, body } = events.next();
    return encodeRequest(target, 'POST', '/webhooks/usage', headers, body);
  };
  for (let i = 0; i < options.initial; i++) pool.push(make());
  let at = 0;
  return {
    next() {
      if (at < pool.length) return pool[at++]!;
      at++;
      return make();
    },
    get size() {
      return pool.length;
    },
  };
}
