import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../src/domain/definition.js';
import { matchesConditions } from '../../../src/domain/match.js';
import { manifestFrom } from '../../support/domain-builders.js';

/** Conditions as the manifest parser produces them from a team's `match`. */
function match(yaml: string): Record<string, Condition> {
  return manifestFrom(`
scoring: { signals: [{ id: s, layer: intent, event: e, points: 30 }], gates: { behavioral: 0, organizational: 0 }, tiers: { hot: 20, warm: 10 } }
routing:
  teams: [{ id: t, channel: C0T, match: ${yaml} }]
  reps: [{ id: U0R }]
  managers: [U0M]
  escalation_channel: C0E
`).routing.teams[0]!.match;
}

const holds = (values: Record<string, unknown>, yaml: string) => matchesConditions(values, match(yaml));

describe('matchesConditions', () => {
  it('matches everything with no conditions', () => {
    expect(matchesConditions({}, {})).toBe(true);
    expect(holds({ employees: 5 }, '{}')).toBe(true);
  });

  it('compares text case-insensitively with eq and in', () => {
    expect(holds({ country: 'us' }, '{ country: { eq: US } }')).toBe(true);
    expect(holds({ country: 'CA' }, '{ country: { eq: US } }')).toBe(false);
    expect(holds({ industry: 'Software' }, '{ industry: { in: [software, fintech] } }')).toBe(true);
    expect(holds({ industry: 'retail' }, '{ industry: { in: [software, fintech] } }')).toBe(false);
  });

  it('applies numeric bounds at their edges', () => {
    const band = '{ employees: { gte: 20, lt: 1000 } }';
    expect(holds({ employees: 19 }, band)).toBe(false);
    expect(holds({ employees: 20 }, band)).toBe(true);
    expect(holds({ employees: 999 }, band)).toBe(true);
    expect(holds({ employees: 1000 }, band)).toBe(false);
    expect(holds({ employees: 100 }, '{ employees: { gt: 100 } }')).toBe(false);
    expect(holds({ employees: 101 }, '{ employees: { gt: 100 } }')).toBe(true);
    expect(holds({ employees: 100 }, '{ employees: { lte: 100 } }')).toBe(true);
    expect(holds({ employees: 101 }, '{ employees: { lte: 100 } }')).toBe(false);
  });

  it('never matches a missing value, so an unknown size falls through every size band', () => {
    expect(holds({}, '{ employees: { gte: 0 } }')).toBe(false);
    expect(holds({ employees: null }, '{ employees: { lt: 1000 } }')).toBe(false);
    expect(holds({ country: null }, '{ country: { in: [US] } }')).toBe(false);
  });

  it('needs every field to hold', () => {
    const both = '{ employees: { gte: 100 }, country: { in: [US, CA] } }';
    expect(holds({ employees: 500, country: 'US' }, both)).toBe(true);
    expect(holds({ employees: 500, country: 'DE' }, both)).toBe(false);
    expect(holds({ employees: 50, country: 'US' }, both)).toBe(false);
  });

  it('tests event properties for a signal’s `where`, numbers and booleans included', () => {
    expect(matchesConditions({ feature: 'SSO' }, { feature: { in: ['sso', 'scim'] } })).toBe(true);
    expect(matchesConditions({ used: '950' }, { used: { gte: 900 } })).toBe(true);
    expect(matchesConditions({ used: 'lots' }, { used: { gte: 900 } })).toBe(false);
    expect(matchesConditions({ trial: true }, { trial: { eq: true } })).toBe(true);
    expect(matchesConditions({ trial: 'true' }, { trial: { eq: true } })).toBe(false);
    expect(matchesConditions({ seats: 5 }, { seats: { eq: 5 } })).toBe(true);
  });
});
