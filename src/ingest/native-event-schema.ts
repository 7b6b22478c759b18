import { z } from 'zod';
import { isTimeZone } from '../domain/time-zone.js';
import { normaliseDomain, type UsageEvent } from '../domain/usage-event.js';

/** At most 500 events a request (README, "Sending events"). */
const MAX_BATCH = 500;

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

const accountSchema = z.object({
  id: text(255),
  name: text(500).optional(),
  domain: text(255)
    .transform((value, ctx) => {
      const domain = normaliseDomain(value);
      if (!domain) ctx.addIssue({ code: 'custom', message: `not a domain: "${value}"` });
      return domain ?? value;
    })
    .optional(),
  plan: text(100).optional(),
  employees: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional(),
  industry: text(200).optional(),
  country: text(100)
    .transform((value) => value.toUpperCase())
    .optional(),
  timezone: text(100).refine(isTimeZone, 'not an IANA time zone like America/Chicago').optional(),
  owner: text(320).optional(),
});

const userSchema = z.object({
  id: text(255),
  email: z.email('not an email address').max(320).optional(),
  name: text(500).optional(),
  title: text(500).optional(),
});

export const nativeEventSchema = z.object({
  id: text(255),
  type: text(100),
  timestamp: z.iso.datetime({ offset: true, message: 'not an ISO 8601 date-time like 2026-11-22T10:00:00Z' }),
  account: accountSchema,
  user: userSchema.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

export type NativeEvent = z.infer<typeof nativeEventSchema>;

export const nativeBatchSchema = z.object({
  events: z
    .array(z.unknown())
    .min(1, 'must hold at least one event')
    .max(MAX_BATCH, `at most ${MAX_BATCH} events`),
});

export function fromNativeEvent(event: NativeEvent): UsageEvent {
  const { id: accountId, ...firmographics } = event.account;
  const { id: userId, ...user } = event.user ?? { id: null };
  return {
    id: event.id,
    source: 'webhook',
    type: event.type,
    occurredAt: Date.parse(event.timestamp),
    accountId,
    account: firmographics,
    userId,
    user: userId ? user : null,
    properties: event.properties ?? {},
  };
}
