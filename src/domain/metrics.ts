import type { MetricName } from './definition.js';

/**
 * Metrics that are a change — the last 14 days against the 14 before, from −1 up — rather than a
 * count: the only ones that may take a negative threshold, and the ones that move with time.
 */
export const CHANGE_METRICS: ReadonlySet<MetricName> = new Set<MetricName>([
  'active_users_change_28d',
  'sessions_change_28d',
]);
