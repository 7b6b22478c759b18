import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { type AccountState, applyEvent, emptyAccountState } from '../../../src/domain/account-state.js';
import type { Manifest } from '../../../src/domain/definition.js';
import { scoreNumbers, scoreNumbersUnlessGated } from '../../../src/domain/score-numbers.js';
import { type Firmographics, scoreAccount } from '../../../src/domain/scoring.js';
import type { UsageEvent } from '../../../src/domain/usage-event.js';
import { specManifest } from '../../support/domain-builders.js';

/**
 * Replay leans on three facts about the domain's scoring (src/replay/replay-engine.ts): that
 * `scoreNumbers` is `scoreAccount`'s numbers, that `scoreNumbersUnlessGated` gives up only on an
 * account that misses a gate, and that a score never rises with time alone. Random histories, seeded.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-02T15:00:00Z');

const TYPES = [
  'session_started',
  'feature_used',
  'integration_connected',
  'teammate_invited',
  'pricing_page_viewed',
  'premium_feature_attempted',
  'usage_limit_approached',
  'usage_limit_hit',
  'demo_requested',
  'activation_milestone',
  'signed_up',
  'upgrade_started',
] as const;

const eventArb = fc.record({
  type: fc.constantFrom(...TYPES),
  /** Minutes since T0 (a month). */
  minute: fc.integer({ min: 0, max: 30 * 24 * 60 }),
  user: fc.integer({ min: 1, max: 8 }),
  feature: fc.constantFrom('sso', 'api', 'scim', 'dashboards', 'audit_log'),
  used: fc.integer({ min: 0, max: 12_000 }),
});

const firmArb = fc.record({
  employees: fc.option(fc.constantFrom(5, 30, 120, 600, 3000), { nil: null }),
  domain: fc.option(fc.constantFrom('acme.com', 'gmail.com'), { nil: null }),
  plan: fc.constant('free'),
});

type RawEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function stateOf(manifest: Manifest, raw: RawEvent[]): { state: AccountState; last: number } {
  const state = emptyAccountState();
  const sorted = [...raw].sort((a, b) => a.minute - b.minute);
  let last = T0;
  sorted.forEach((e, i) => {
    const at = T0 + e.minute * 60_000;
    last = at;
    const event: UsageEvent = {
      id: `evt_${i}`,
      source: 'webhook',
      type: e.type,
      occurredAt: at,
      accountId: 'acct_1',
      account: null,
      userId: `u_${e.user}`,
      user: { email: `u_${e.user}@acme.com` },
      properties: {
        feature: e.feature,
        plan: 'business',
        limit: 'API calls',
        used: e.used,
        quota: 10_000,
        invitee_email: `x${i}@acme.com`,
        integration: e.feature,
        milestone: 'first_report',
      },
    };
    applyEvent(state, event, manifest.scoring.signals, manifest.scoring.half_life, at);
  });
  return { state, last };
}

const manifests: [string, Manifest][] = [
  ['shipped', loadManifest('manifests/pls.yml')],
  ['spec', specManifest()],
];

describe.each(manifests)('on the %s manifest', (_, manifest) => {
  const { scoring } = manifest;

  it('scoreNumbers is scoreAccount’s total, layers and tier, to the last bit', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 60 }),
        firmArb,
        fc.integer({ min: 0, max: 20 * DAY }),
        (raw, firm, later) => {
          const { state, last } = stateOf(manifest, raw);
          const now = last + later;
          const full = scoreAccount(state, firm as Firmographics, scoring, now);
          const numbers = scoreNumbers(state, firm as Firmographics, scoring, now);
          expect(numbers).toEqual({ total: full.total, layers: full.layers, tier: full.tier });
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('scoreNumbersUnlessGated gives up only on an account that misses a gate, else gives the same numbers', () => {
    let gated = 0;
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 40 }),
        firmArb,
        fc.integer({ min: 0, max: 20 * DAY }),
        (raw, firm, later) => {
          const { state, last } = stateOf(manifest, raw);
          const now = last + later;
          const quick = scoreNumbersUnlessGated(state, firm as Firmographics, scoring, now);
          if (quick) {
            expect(quick).toEqual(scoreNumbers(state, firm as Firmographics, scoring, now));
            return;
          }
          gated++;
          const full = scoreAccount(state, firm as Firmographics, scoring, now);
          expect(full.tier).toBe('cold');
          expect(Object.values(full.gates).some((gate) => !gate.passed)).toBe(true);
        },
      ),
      { seed: 43, numRuns: 400 },
    );
    expect(gated).toBeGreaterThan(20);
  });

  it('a score never rises with time alone (same state, same firmographics)', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 60 }),
        firmArb,
        fc.integer({ min: 0, max: 10 * DAY }),
        fc.integer({ min: 0, max: 10 * DAY }),
        (raw, firm, a, b) => {
          const { state, last } = stateOf(manifest, raw);
          const early = scoreAccount(state, firm as Firmographics, scoring, last + a);
          const late = scoreAccount(state, firm as Firmographics, scoring, last + a + b);
          for (const layer of ['behavioral', 'organizational', 'intent'] as const) {
            expect(late.layers[layer]).toBeLessThanOrEqual(early.layers[layer] + 1e-9);
          }
          if (early.tier !== 'hot') expect(late.tier).not.toBe('hot');
        },
      ),
      { seed: 44, numRuns: 300 },
    );
  });
});
