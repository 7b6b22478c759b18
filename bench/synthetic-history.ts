import type { StoredEvent } from '../src/db/history.js';
import { createRng, type Rng } from '../src/domain/rng.js';

/**
 * A seeded, product-led event history in the shape of the `events` table, in arrival order: the
 * input of the replay benchmark (bench/replay-benchmark.ts). Accounts follow one of four
 * arcs — cold (signs up, pokes around), active (a team using the product), ready (a team that
 * researches pricing and hits limits) and buyer (ready, then buys on its own) — over `days` days.
 * The vocabulary is the native webhook's (README, "Sending events"), so the shipped manifest scores it.
 */
export interface UsageHistoryOptions {
  seed: number;
  accounts: number;
  days: number;
  /** Epoch ms of day 0. */
  start: number;
  /** Mean events per account per active day for an active team (the others scale from it). */
  intensity?: number;
}

type Arc = 'cold' | 'active' | 'ready' | 'buyer';

interface Profile {
  id: string;
  arc: Arc;
  users: string[];
  employees: number;
  domain: string;
  country: string;
  activeDay: number;
  /** Day the account buys (buyers). */
  buysOn: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FEATURES = ['dashboards', 'api', 'alerts', 'exports', 'sso', 'audit_log', 'webhooks', 'reports'];
const INTEGRATIONS = ['slack', 'github', 'jira', 'salesforce', 'snowflake'];
const COUNTRIES = ['US', 'US', 'US', 'CA', 'GB', 'DE', 'FR'];

export function* generateUsageHistory(options: UsageHistoryOptions): Generator<StoredEvent> {
  const rng = createRng(options.seed);
  const intensity = options.intensity ?? 6;
  const profiles = Array.from({ length: options.accounts }, (_, i) => profile(rng, i, options.days));
  let seq = 0;
  let arrival = 0;
  const make = (
    account: Profile,
    type: string,
    at: number,
    user: string | null,
    properties: Record<string, unknown> = {},
    patch: Record<string, unknown> | null = null,
  ): StoredEvent => {
    seq++;
    const receivedAt = at + 200 + (seq % 1000);
    return {
      seq,
      id: `evt_${options.seed}_${seq}`,
      source: 'webhook',
      type,
      accountId: account.id,
      userId: user,
      occurredAt: at,
      receivedAt,
      processedAt: receivedAt + 50,
      properties: JSON.stringify(properties),
      accountPatch: patch ? JSON.stringify(patch) : null,
      userPatch: user ? JSON.stringify({ email: `${user}@${account.domain}` }) : null,
    };
  };

  for (let d = 0; d < options.days; d++) {
    const dayStart = options.start + d * DAY;
    const weekend = new Date(dayStart).getUTCDay() % 6 === 0;
    const today: StoredEvent[] = [];
    for (const account of profiles) {
      if (d === 0) {
        const patch = {
          name: account.id,
          domain: account.domain,
          plan: 'free',
          employees: account.employees,
          country: account.country,
        };
        today.push(
          make(account, 'signed_up', dayStart + rng.int(0, 23) * HOUR, account.users[0]!, {}, patch),
        );
      }
      if (account.arc === 'buyer' && d === account.buysOn) {
        const at = dayStart + rng.int(9, 17) * HOUR;
        today.push(make(account, 'upgrade_started', at, account.users[0]!));
        today.push(make(account, 'plan_changed', at + 10 * 60_000, account.users[0]!, { plan: 'team' }));
      }
      if (account.arc === 'buyer' && d > account.buysOn) continue;
      if (!rng.chance(weekend ? account.activeDay / 3 : account.activeDay)) continue;
      const scale = account.arc === 'cold' ? 0.3 : 1;
      const budget = Math.max(1, Math.round(intensity * scale * (0.5 + rng.next())));
      const ready = account.arc === 'ready' || account.arc === 'buyer';
      for (let k = 0; k < budget; k++) {
        const at = dayStart + rng.int(7, 21) * HOUR + rng.int(0, 59) * 60_000;
        const user = rng.pick(account.users);
        const roll = rng.next();
        if (roll < 0.45) today.push(make(account, 'session_started', at, user));
        else if (roll < 0.8)
          today.push(make(account, 'feature_used', at, user, { feature: rng.pick(FEATURES) }));
        else if (roll < 0.84)
          today.push(
            make(account, 'integration_connected', at, user, { integration: rng.pick(INTEGRATIONS) }),
          );
        else if (roll < 0.88) {
          today.push(
            make(account, 'teammate_invited', at, user, { invitee_email: `new${seq}@${account.domain}` }),
          );
        } else if (roll < 0.93 || !ready) {
          today.push(make(account, ready ? 'pricing_page_viewed' : 'session_started', at, user));
        } else if (roll < 0.96) {
          const feature = rng.pick(['sso', 'audit_log', 'scim', 'advanced_reports']);
          today.push(make(account, 'premium_feature_attempted', at, user, { feature, plan: 'business' }));
        } else if (roll < 0.985) {
          today.push(
            make(account, 'usage_limit_approached', at, user, {
              limit: 'API calls',
              used: 8500,
              quota: 10000,
            }),
          );
        } else {
          today.push(
            make(account, 'usage_limit_hit', at, user, { limit: 'API calls', used: 10000, quota: 10000 }),
          );
        }
      }
    }
    // Arrival order within the day; `seq` is renumbered in that order, as ingest assigns it.
    today.sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq);
    for (const event of today) yield { ...event, seq: ++arrival };
  }
}

function profile(rng: Rng, i: number, days: number): Profile {
  const arc: Arc = rng.pick([
    'cold',
    'cold',
    'cold',
    'cold',
    'active',
    'active',
    'active',
    'ready',
    'ready',
    'buyer',
  ]);
  const seats = arc === 'cold' ? rng.int(1, 2) : rng.int(2, 9);
  const id = `acct_${i}`;
  return {
    id,
    arc,
    users: Array.from({ length: seats }, (_, u) => `${id}_u${u}`),
    employees: rng.pick([3, 12, 40, 120, 250, 800, 2500]),
    domain: rng.chance(0.15) ? 'gmail.com' : `${id}.example`,
    country: rng.pick(COUNTRIES),
    activeDay: arc === 'cold' ? 0.08 : arc === 'active' ? 0.5 : 0.7,
    buysOn: rng.int(Math.floor(days / 3), days - 1),
  };
}
