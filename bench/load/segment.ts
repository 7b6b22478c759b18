import type { UsageEventBody } from './traffic.js';

/**
 * The same events as `@segment/analytics-node` sends them to `/v1/batch` (see
 * test/fixtures/captured/segment-analytics-node-batch.json): a `group` the first time an account is
 * seen, an `identify` the first time a person is, then `track` calls with `context.groupId`.
 */
export type SegmentMessage = Record<string, unknown> & { type: string; messageId: string };

const LIBRARY = { name: '@segment/analytics-node', version: '3.1.0' };
const METADATA = { nodeVersion: process.version, jsRuntime: 'node' };

export interface SegmentMapper {
  /** The messages an SDK would send for this event (1 to 3: group, identify, track). */
  messages(event: UsageEventBody): SegmentMessage[];
}

export function createSegmentMapper(): SegmentMapper {
  const accounts = new Set<string>();
  const users = new Set<string>();
  let counter = 0;
  /** `node-next-<epoch ms>-<uuid-shaped>`, as the SDK makes them: time first, so ids append. */
  const messageId = (at: number) =>
    `node-next-${at}-${(counter++).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    messages(event) {
      const at = Date.parse(event.timestamp);
      const userId = event.user?.id;
      const timestamp = event.timestamp;
      const out: SegmentMessage[] = [];
      const account = event.account;
      if (!accounts.has(account.id)) {
        accounts.add(account.id);
        out.push({
          timestamp,
          integrations: {},
          type: 'group',
          groupId: account.id,
          userId: userId ?? `anon_${account.id}`,
          traits: {
            name: account.name,
            website: account.domain ? `https://${account.domain}` : undefined,
            plan: account.plan,
            employees: account.employees,
            industry: account.industry,
            country: account.country,
            timezone: account.timezone,
          },
          context: { library: LIBRARY },
          messageId: messageId(at),
          _metadata: METADATA,
        });
      }
      const user = event.user;
      if (user && userId && !users.has(userId)) {
        users.add(userId);
        out.push({
          timestamp,
          integrations: {},
          type: 'identify',
          userId,
          traits: { email: user.email, name: user.name, title: user.title },
          context: { library: LIBRARY },
          messageId: messageId(at),
          _metadata: METADATA,
        });
      }
      out.push({
        timestamp,
        integrations: {},
        type: 'track',
        event: event.type,
        userId: userId ?? `anon_${account.id}`,
        properties: event.properties ?? {},
        context: { groupId: account.id, library: LIBRARY },
        messageId: messageId(at),
        _metadata: METADATA,
      });
      return out;
    },
  };
}

/** A `/v1/batch` body as the SDK sends it: `{batch, writeKey, sentAt}`. */
export function segmentBatchBody(messages: readonly SegmentMessage[], writeKey: string, sentAt = new Date()) {
  return JSON.stringify({ batch: messages, writeKey, sentAt: sentAt.toISOString() });
}

/** `Authorization: Basic base64("<writeKey>:")`, what both SDKs send. */
export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}
