import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isTimeZone } from '../domain/time-zone.js';
import {
  type AccountPatch,
  normaliseDomain,
  type UsageEvent,
  type UserPatch,
} from '../domain/usage-event.js';

/**
 * Segment's message shapes (https://segment.com/docs/connections/spec/common/), read leniently:
 * SDKs add keys (`_metadata`, `integrations`, `channel`) that pls ignores. See
 * test/fixtures/captured for what @segment/analytics-node and @rudderstack/rudder-sdk-node send.
 */
const SEGMENT_TYPES = ['track', 'identify', 'group', 'page', 'screen'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

const isoTime = z.iso.datetime({ offset: true, message: 'not an ISO 8601 date-time' });
const record = z.record(z.string(), z.unknown());

const baseMessage = z.object({
  messageId: z.string().min(1).max(255).optional(),
  userId: z.union([z.string(), z.number()]).optional(),
  anonymousId: z.union([z.string(), z.number()]).optional(),
  groupId: z.union([z.string(), z.number()]).optional(),
  timestamp: isoTime.optional(),
  originalTimestamp: isoTime.optional(),
  sentAt: isoTime.optional(),
  context: z
    .looseObject({ groupId: z.union([z.string(), z.number()]).optional(), traits: record.optional() })
    .optional(),
  properties: record.optional(),
  traits: record.optional(),
  event: z.string().trim().min(1).max(100).optional(),
  name: z.string().optional(),
});

export const segmentMessageSchema = baseMessage
  .extend({ type: z.enum(SEGMENT_TYPES, `must be one of ${SEGMENT_TYPES.join(', ')}`) })
  .superRefine((message, ctx) => {
    if (message.type === 'track' && !message.event) {
      ctx.addIssue({ code: 'custom', path: ['event'], message: 'Required for a track call' });
    }
    if (message.type === 'group' && message.groupId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['groupId'], message: 'Required for a group call' });
    }
    if (message.userId === undefined && message.anonymousId === undefined && message.type !== 'group') {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'userId or anonymousId is required' });
    }
  });

export type SegmentMessage = z.infer<typeof segmentMessageSchema>;

/**
 * The mapping of the README's "Segment and RudderStack" section. `receivedAt` stands in for the
 * time only when the message carries none.
 * A message without `messageId` gets one derived from its content, so a resend still dedupes.
 */
export function fromSegmentMessage(message: SegmentMessage, receivedAt: number): UsageEvent {
  const time = message.timestamp ?? message.originalTimestamp ?? message.sentAt;
  const accountId =
    idOf(message.context?.groupId) ?? idOf(message.groupId) ?? idOf(message.properties?.account_id);
  const userId = idOf(message.userId) ?? idOf(message.anonymousId);
  return {
    id: message.messageId ?? contentId(message),
    source: 'segment',
    type: eventType(message),
    occurredAt: time ? Date.parse(time) : receivedAt,
    accountId,
    account: message.type === 'group' ? accountFromTraits(message.traits ?? {}) : null,
    userId,
    user: userId
      ? userFromTraits(message.type === 'identify' ? message.traits : message.context?.traits)
      : null,
    properties: message.properties ?? (message.type === 'track' ? {} : { ...(message.traits ?? {}) }),
  };
}

function eventType(message: SegmentMessage): string {
  if (message.type === 'track') return message.event!;
  return message.type;
}

function idOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 255);
  return null;
}

function contentId(message: SegmentMessage): string {
  return `seg_${createHash('sha256').update(JSON.stringify(message)).digest('hex').slice(0, 32)}`;
}

function stringTrait(traits: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = traits[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 500);
  }
  return undefined;
}

/** Group traits → firmographics (Segment's reserved group traits plus `domain` and `timezone`). */
function accountFromTraits(traits: Record<string, unknown>): AccountPatch {
  const patch: AccountPatch = {};
  const name = stringTrait(traits, 'name');
  if (name) patch.name = name;
  const site = stringTrait(traits, 'domain', 'website');
  const domain = site ? normaliseDomain(site) : undefined;
  if (domain) patch.domain = domain;
  const plan = stringTrait(traits, 'plan');
  if (plan) patch.plan = plan;
  const employees = Number(traits.employees);
  if (traits.employees !== undefined && Number.isInteger(employees) && employees >= 0)
    patch.employees = employees;
  const industry = stringTrait(traits, 'industry');
  if (industry) patch.industry = industry;
  const address = traits.address as Record<string, unknown> | undefined;
  const country = stringTrait(traits, 'country') ?? (address ? stringTrait(address, 'country') : undefined);
  if (country) patch.country = country.toUpperCase();
  const timezone = stringTrait(traits, 'timezone');
  if (timezone && isTimeZone(timezone)) patch.timezone = timezone;
  return patch;
}

/** Identify traits → the person (`firstName` + `lastName` when there is no `name`). */
function userFromTraits(traits: Record<string, unknown> | undefined): UserPatch | null {
  if (!traits) return {};
  const patch: UserPatch = {};
  const email = stringTrait(traits, 'email');
  if (email?.includes('@')) patch.email = email.toLowerCase();
  const full = [stringTrait(traits, 'firstName', 'first_name'), stringTrait(traits, 'lastName', 'last_name')]
    .filter(Boolean)
    .join(' ');
  const name = stringTrait(traits, 'name') ?? (full || undefined);
  if (name) patch.name = name;
  const title = stringTrait(traits, 'title');
  if (title) patch.title = title;
  return patch;
}
