import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import {
  type Condition,
  LAYERS,
  type Layer,
  type Manifest,
  type MetricName,
  type Tier,
} from '../../../src/domain/definition.js';

/*
 * Calibration of manifests/pls.yml against the accounts its README describes (a typical PQL and a
 * self-serve hero), using the scoring rules as manifests/README.md states them (points per
 * occurrence up to `cap`, the highest metric step, a gate per layer, total capped at 100). Every
 * event here is fresh, so decay plays no part: the question is whether the weights say the right
 * thing.
 */

const manifest = loadManifest(fileURLToPath(new URL('../../../manifests/pls.yml', import.meta.url)));

interface Facts {
  employees: number;
  metrics: Partial<Record<MetricName, number>>;
  events: { type: string; properties?: Record<string, unknown> }[];
}

function holds(value: unknown, condition: Condition): boolean {
  const n = Number(value);
  return (
    (condition.eq === undefined || value === condition.eq) &&
    (condition.in === undefined || condition.in.includes(value as string)) &&
    (condition.gte === undefined || n >= condition.gte) &&
    (condition.gt === undefined || n > condition.gt) &&
    (condition.lte === undefined || n <= condition.lte) &&
    (condition.lt === undefined || n < condition.lt)
  );
}

function score(facts: Facts, { scoring }: Manifest) {
  const layers: Record<Layer, number> = { behavioral: 0, organizational: 0, intent: 0 };
  for (const signal of scoring.signals) {
    const hits = facts.events.filter(
      (event) =>
        event.type === signal.event &&
        Object.entries(signal.where ?? {}).every(([key, condition]) =>
          holds(event.properties?.[key], condition),
        ),
    );
    const points = hits.length * signal.points;
    layers[signal.layer] += signal.cap === null ? points : Math.min(signal.cap, points);
  }
  for (const metric of scoring.metrics) {
    const value = metric.metric === 'employees' ? facts.employees : (facts.metrics[metric.metric] ?? 0);
    let points = 0;
    for (const [threshold, stepPoints] of metric.steps) if (value >= threshold) points = stepPoints;
    layers[metric.layer] += points;
  }
  const total = Math.min(100, layers.behavioral + layers.organizational + layers.intent);
  const failedGates = LAYERS.filter((layer) => layers[layer] < scoring.gates[layer]);
  const tier: Tier =
    failedGates.length > 0
      ? 'cold'
      : total >= scoring.tiers.hot
        ? 'hot'
        : total >= scoring.tiers.warm
          ? 'warm'
          : 'cold';
  return { layers, total, failedGates, tier };
}

const times = (n: number, type: string, properties?: Record<string, unknown>) =>
  Array.from({ length: n }, () => (properties ? { type, properties } : { type }));

describe('manifests/pls.yml calibration', () => {
  it('makes a typical product-qualified account hot on every layer', () => {
    // 250 employees, 6 active users, active 8 of 14 days, hit a limit and viewed pricing 3×.
    const account: Facts = {
      employees: 250,
      metrics: {
        active_users_14d: 6,
        active_days_14d: 8,
        pricing_views_7d: 3,
        usage_ratio: 1,
        business_domain: 1,
      },
      events: [
        ...times(1, 'usage_limit_hit', { limit: 'API calls', used: 10_000, quota: 10_000 }),
        ...times(3, 'pricing_page_viewed'),
      ],
    };
    const result = score(account, manifest);
    expect(result.failedGates).toEqual([]);
    expect(result.total).toBeGreaterThanOrEqual(manifest.scoring.tiers.hot);
    expect(result.tier).toBe('hot');
    expect(account.employees).toBeGreaterThanOrEqual(manifest.scoring.rules.min_employees);
  });

  it('keeps a self-serve hero cold however engaged: no organizational fit', () => {
    // One power user on a gmail address at a 5-person company, using everything, hitting limits.
    const hero: Facts = {
      employees: 5,
      metrics: {
        active_users_14d: 1,
        active_days_14d: 14,
        sessions_7d: 40,
        features_30d: 12,
        integrations: 3,
        usage_ratio: 1,
        business_domain: 0,
      },
      events: [
        ...times(20, 'session_started'),
        ...times(10, 'feature_used', { feature: 'dashboards' }),
        ...times(3, 'integration_connected', { integration: 'github' }),
        ...times(2, 'usage_limit_hit', { limit: 'projects', used: 3, quota: 3 }),
      ],
    };
    const result = score(hero, manifest);
    expect(result.total).toBeGreaterThanOrEqual(manifest.scoring.tiers.hot);
    expect(result.failedGates).toEqual(['organizational']);
    expect(result.tier).toBe('cold');
    expect(hero.employees).toBeLessThan(manifest.scoring.rules.min_employees);
  });

  it('makes an engaged, fitting account with light intent warm, not hot', () => {
    const account: Facts = {
      employees: 60,
      metrics: { active_users_14d: 3, active_days_14d: 5, sessions_7d: 12, business_domain: 1 },
      events: [...times(5, 'session_started'), ...times(2, 'pricing_page_viewed')],
    };
    const result = score(account, manifest);
    expect(result.failedGates).toEqual([]);
    expect(result.tier).toBe('warm');
  });

  it('lets a security-feature attempt score both as a premium attempt and as a security review', () => {
    const sso = score(
      { employees: 0, metrics: {}, events: times(1, 'premium_feature_attempted', { feature: 'sso' }) },
      manifest,
    );
    const export_ = score(
      { employees: 0, metrics: {}, events: times(1, 'premium_feature_attempted', { feature: 'export' }) },
      manifest,
    );
    expect(sso.layers.intent).toBe(20);
    expect(export_.layers.intent).toBe(12);
  });

  it('routes the typical account to the team that matches its size', () => {
    const team = manifest.routing.teams.find((candidate) =>
      Object.entries(candidate.match).every(
        ([field, condition]) => field === 'employees' && holds(250, condition),
      ),
    );
    expect(team?.id).toBe('mid-market');
  });
});
