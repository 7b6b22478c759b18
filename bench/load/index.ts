/**
 * The traffic model, for anything that wants realistic PLS traffic (the benchmark, a sandbox's
 * demo traffic): accounts by archetype, their events as pls's native webhook or as the Segment
 * SDK sends them, signed with Standard Webhooks. Pure and seeded; no pls imports.
 *
 *   const accounts = createAccounts(1_000, { seed: 'demo' });
 *   const live = createLiveTraffic(accounts);          // live.next(Date.now()) → one event
 *   for (const day of history(accounts, { days: 14, endAt: Date.now() })) …   // a backfill
 */

export { createRng, type Rng } from '../../src/domain/rng.js';
export {
  type AccountOptions,
  type AccountProfile,
  type AccountUser,
  ARCHETYPES,
  type Archetype,
  type Behaviour,
  countArchetypes,
  createAccounts,
} from './accounts.js';
export { type FeedOptions, nativeBatches, segmentFeed } from './feed.js';
export {
  basicAuth,
  createSegmentMapper,
  type SegmentMapper,
  type SegmentMessage,
  segmentBatchBody,
} from './segment.js';
export { createSigner, randomWebhookSecret } from './sign.js';
export {
  accountFields,
  createEventIds,
  createLiveTraffic,
  type EventIds,
  type HistoryOptions,
  history,
  type LiveTraffic,
  type UsageEventBody,
  usageEvent,
  warmUpEvents,
} from './traffic.js';
