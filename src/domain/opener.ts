import type { Signal } from './definition.js';
import type { AlertTrigger } from './handoff.js';

/**
 * The suggested first message: written for the prospect, never quoting tracking back at them
 * (no counts of views or active days, no usage fractions, no internal ids). One template per
 * kind of moment, overridable per signal with `scoring.signals[].opener`; ids in properties read
 * through the manifest's `labels` (`audit_log` → "audit log"). Pure.
 */
export type MomentKind =
  | 'limit_hit'
  | 'limit_approached'
  | 'gated_feature'
  | 'pricing'
  | 'demo'
  | 'new_domain_invite'
  | 'score_rise';

/** Placeholders an opener may never use: they quote tracking at the prospect. */
export const TRACKING_PLACEHOLDERS: readonly string[] = ['count', 'used', 'quota', 'ratio', 's'];

/** Placeholders an opener may use. */
export const OPENER_PLACEHOLDERS: readonly string[] = [
  'first_name',
  'account',
  'limit',
  'feature',
  'plan',
  'invitee_domain',
];

const TEMPLATES: Record<MomentKind, string> = {
  limit_hit:
    'Hi {first_name}, it looks like {account} has outgrown the free {limit} allowance — happy to set up headroom that fits how your team works.',
  limit_approached:
    'Hi {first_name}, {account} is getting close to its {limit} allowance — want to make sure you have room before it gets in the way?',
  gated_feature:
    'Hi {first_name}, I saw {account} is looking at {feature}, which comes with our {plan} plan — happy to walk you through it or set up a trial.',
  pricing:
    'Hi {first_name}, if you are weighing plans for {account}, I can help you find the one that fits how your team works — 15 minutes this week?',
  demo: 'Hi {first_name}, thanks for asking for a demo — when suits you this week to walk through what {account} needs?',
  new_domain_invite:
    'Hi {first_name}, great to see {account} being picked up across your organisation — happy to help set it up for the wider team.',
  score_rise:
    'Hi {first_name}, your team at {account} has been getting a lot out of the product lately — worth 15 minutes to make sure your plan keeps up?',
};

/** What a placeholder says when the moment did not carry it. */
const FALLBACK: Record<string, string> = {
  account: 'your team',
  limit: 'usage',
  feature: 'one of our paid features',
  plan: 'paid',
  invitee_domain: 'another team',
};

/** The kind of moment an alert was raised for, from its trigger and the signal behind it. */
export function momentKind(
  trigger: Pick<AlertTrigger, 'kind'>,
  signal: Pick<Signal, 'event'> | null,
): MomentKind {
  if (trigger.kind !== 'signal' || !signal) return 'score_rise';
  switch (signal.event) {
    case 'usage_limit_hit':
      return 'limit_hit';
    case 'usage_limit_approached':
      return 'limit_approached';
    case 'premium_feature_attempted':
      return 'gated_feature';
    case 'pricing_page_viewed':
      return 'pricing';
    case 'demo_requested':
      return 'demo';
    case 'teammate_invited':
      return 'new_domain_invite';
    default:
      return 'score_rise';
  }
}

export interface OpenerContact {
  name: string | null;
  title: string | null;
  email: string | null;
  /** The person behind the triggering signal. */
  trigger: boolean;
}

export interface Opener {
  /** The message, ready to send (plain text: the renderer escapes it). */
  text: string;
  /** Whom it is addressed to: the most senior known contact. */
  to: OpenerContact | null;
  /** The person behind the signal, for the rep's context (when not the addressee). */
  behind: OpenerContact | null;
}

export function writeOpener(input: {
  trigger: AlertTrigger;
  signal: Signal | null;
  /** The play's `opener`: a churn-risk check-in, not the moment's new-business pitch. */
  playOpener?: string | null;
  labels: Readonly<Record<string, string>>;
  account: string | null;
  contacts: readonly OpenerContact[];
}): Opener {
  const { trigger, signal, labels } = input;
  const to = mostSenior(input.contacts);
  const behind = input.contacts.find((c) => c.trigger) ?? null;
  const template = signal?.opener ?? input.playOpener ?? TEMPLATES[momentKind(trigger, signal)];
  const values: Record<string, string | undefined> = {
    account: input.account ?? undefined,
    ...Object.fromEntries(
      Object.entries(trigger.props ?? {}).map(([key, value]) => [key, labels[value] ?? value]),
    ),
  };
  const firstName = to?.name?.trim().split(/\s+/)[0];
  const text = template
    .replace(/\{first_name\}/g, firstName ?? '')
    .replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? FALLBACK[name] ?? '')
    .replace(/^Hi ,/, 'Hi,')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return { text, to, behind: behind && behind !== to ? behind : null };
}

/**
 * Titles from most to least senior: a first message goes to whoever can decide. Ties keep the
 * contacts' order (the person behind the signal first, then the most active).
 */
const SENIORITY: readonly RegExp[] = [
  /\b(ceo|cto|cfo|coo|cio|ciso|cpo|chief|founder|co-founder|owner|president)\b/i,
  /\b(vp|vice president|svp|evp)\b/i,
  /\b(head|director)\b/i,
  /\b(manager|lead|principal)\b/i,
];

function seniority(title: string | null): number {
  if (!title) return SENIORITY.length + 1;
  const rank = SENIORITY.findIndex((pattern) => pattern.test(title));
  return rank === -1 ? SENIORITY.length : rank;
}

function mostSenior(contacts: readonly OpenerContact[]): OpenerContact | null {
  let best: OpenerContact | null = null;
  for (const contact of contacts)
    if (!best || seniority(contact.title) < seniority(best.title)) best = contact;
  return best;
}
