import { createAlertsRepo, type NewAlert } from '../../src/db/alerts-repo.js';
import { openDatabase } from '../../src/db/sqlite/client.js';
import { type AccountState, applyEvent, emptyAccountState } from '../../src/domain/account-state.js';
import type { Manifest } from '../../src/domain/definition.js';
import { escalationDueAt } from '../../src/domain/escalation.js';
import type { AlertTrigger } from '../../src/domain/handoff.js';
import { matchesConditions } from '../../src/domain/match.js';
import { createRng, type Rng } from '../../src/domain/rng.js';
import { scoreAccount } from '../../src/domain/scoring.js';
import { slaDeadlines, snapshotPolicy } from '../../src/domain/sla.js';
import { fromNativeEvent, type NativeEvent } from '../../src/ingest/native-event-schema.js';
import { newAlertId } from '../../src/services/process-events.js';
import { type AccountProfile, type Archetype, createAccounts } from '../load/accounts.js';
import { history } from '../load/traffic.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Seeds a pls database file for the command and sweep figures: `accounts` accounts with their
 * people and a live scoring state (each the real state of an account of the same archetype,
 * built by pls's own `applyEvent` over two weeks of generated history), and `alerts` alerts on
 * the warm and hot ones, inserted through pls's alerts repository with SLA clocks, frozen
 * policy and escalation cursor computed by pls's own domain functions.
 *
 * The data is at rest: no escalation step is due and no first-touch or back-off notice is
 * owed at `now`, so the app's start-up sweep finds nothing to do and the timings are of the
 * commands alone.
 */
export interface SeedOptions {
  path: string;
  manifest: Manifest;
  accounts: number;
  alerts: number;
  now: number;
  /** Alerts opened over this many days before `now`. */
  days: number;
  /** Share of alerts in each state; the rest are closed. `{ open: 1 }` for the sweep's 10,000 open alerts. */
  states: { open: number; claimed: number; contacted: number };
  seed?: string;
}

export interface SeedResult {
  accounts: number;
  users: number;
  alerts: Record<string, number>;
  seconds: number;
}

export async function seedDatabase(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const { manifest, now } = options;
  const rng = createRng(options.seed ?? 'pls-bench-seed');
  const db = openDatabase(options.path);
  const sqlite = db.$client;
  const profiles = createAccounts(options.accounts, {
    seed: options.seed ?? 'pls-bench-seed',
    idPrefix: 'acct_',
  });
  const samples = sampleStates(manifest, now);

  const insertAccount = sqlite.prepare(
    `insert into accounts (id, name, domain, plan, employees, industry, country, timezone, owner, first_seen_at, updated_at, state, score, tier, scored_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertUser = sqlite.prepare(
    'insert or ignore into users (id, email, name, title, updated_at) values (?, ?, ?, ?, ?)',
  );
  const insertMember = sqlite.prepare(
    'insert or ignore into account_users (account_id, user_id, events, last_seen_at) values (?, ?, ?, ?)',
  );
  let users = 0;
  const scored = new Map<string, { score: number; tier: 'hot' | 'warm' | 'cold' }>();
  sqlite.transaction(() => {
    for (const profile of profiles) {
      const pool = samples[profile.archetype];
      const sample = pool[rng.int(0, pool.length - 1)]!;
      const firstSeen = now - rng.int(1, 365) * DAY;
      insertAccount.run(
        profile.id,
        profile.name,
        profile.domain,
        profile.plan,
        profile.employees,
        profile.industry,
        profile.country,
        profile.timezone,
        profile.owner,
        firstSeen,
        now - rng.int(0, 14) * DAY,
        sample.state,
        sample.score,
        sample.tier,
        now - rng.int(0, 3) * DAY,
      );
      scored.set(profile.id, { score: sample.score, tier: sample.tier });
      for (const user of profile.users) {
        insertUser.run(user.id, user.email, user.name, user.title, firstSeen);
        insertMember.run(profile.id, user.id, rng.int(1, 400), now - rng.int(0, 20) * DAY);
        users++;
      }
    }
  })();

  const alerts = createAlertsRepo(db);
  const record = sqlite.prepare(
    'insert into alert_events (alert_id, at, kind, actor, data) values (?, ?, ?, ?, ?)',
  );
  const candidates = profiles.filter(
    (p) => p.archetype === 'hot' || p.archetype === 'warm' || p.archetype === 'buyer',
  );
  const chosen = candidates.length >= options.alerts ? candidates : profiles;
  const counts: Record<string, number> = {};
  // One transaction across the repository's awaits: nothing else uses this connection.
  sqlite.exec('BEGIN');
  for (let i = 0; i < Math.min(options.alerts, chosen.length); i++) {
    const profile = chosen[i]!;
    const alert = buildAlert(profile, rng, options, scored.get(profile.id)?.score ?? 50);
    await alerts.insert(alert.row, null, { trigger: alert.row.trigger, route: 'seeded by bench' });
    for (const event of alert.events)
      record.run(alert.row.id, event.at, event.kind, event.actor, JSON.stringify(event.data));
    counts[alert.row.state] = (counts[alert.row.state] ?? 0) + 1;
  }
  sqlite.exec('COMMIT');
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return { accounts: profiles.length, users, alerts: counts, seconds: (performance.now() - started) / 1000 };
}

/** Funnel shares that draw only `archetype`. */
export function only(archetype: Archetype): Record<Archetype, number> {
  return { cold: 0, hero: 0, warm: 0, hot: 0, buyer: 0, [archetype]: 1 };
}

interface Sample {
  state: string;
  score: number;
  tier: 'hot' | 'warm' | 'cold';
}

/** Real account states per archetype: 24 accounts each, two weeks of history through `applyEvent`. */
function sampleStates(manifest: Manifest, now: number): Record<Archetype, Sample[]> {
  const archetypes: Archetype[] = ['cold', 'hero', 'warm', 'hot', 'buyer'];
  const result = {} as Record<Archetype, Sample[]>;
  for (const archetype of archetypes) {
    const accounts = createAccounts(24, { seed: `pls-bench-sample-${archetype}`, shares: only(archetype) });
    const states = new Map<string, AccountState>(accounts.map((a) => [a.id, emptyAccountState()]));
    for (const day of history(accounts, { days: 14, endAt: now, seed: `pls-bench-sample-${archetype}` })) {
      for (const body of day) {
        // The generator's events are valid by construction: mapped as pls maps them, without zod.
        const event = fromNativeEvent(body as unknown as NativeEvent);
        applyEvent(
          states.get(body.account.id)!,
          event,
          manifest.scoring.signals,
          manifest.scoring.half_life,
          now,
        );
      }
    }
    result[archetype] = accounts.map((account) => {
      const state = states.get(account.id)!;
      const score = scoreAccount(
        state,
        { employees: account.employees, domain: account.domain, plan: account.plan },
        manifest.scoring,
        now,
      );
      return { state: JSON.stringify(state), score: score.total, tier: score.tier };
    });
  }
  return result;
}

const TRIGGERS: readonly (readonly [string, string])[] = [
  ['usage_limit_hit', 'hit the API calls limit (10,000/10,000)'],
  ['pricing_repeat', 'viewed pricing 3× in 7 days'],
  ['premium_attempt', 'tried sso, which needs the business plan'],
  ['demo_request', 'requested a demo'],
];
const OUTCOMES: readonly (readonly [string, number])[] = [
  ['won', 20],
  ['lost', 25],
  ['no_response', 25],
  ['not_a_fit', 20],
  ['self_served', 10],
];

interface AuditEvent {
  at: number;
  kind: string;
  actor: string | null;
  data: Record<string, unknown>;
}

function buildAlert(
  profile: AccountProfile,
  rng: Rng,
  options: SeedOptions,
  score: number,
): { row: NewAlert; events: AuditEvent[] } {
  const { manifest, now } = options;
  const { routing } = manifest;
  const team =
    routing.teams.find(
      (t) =>
        t.match &&
        matchesConditions(
          {
            employees: profile.employees,
            country: profile.country,
            industry: profile.industry,
            plan: profile.plan,
            domain: profile.domain,
          },
          t.match,
        ),
    ) ??
    routing.teams.find((t) => t.id === routing.default_team) ??
    routing.teams[0]!;
  const rep = team.reps.length > 0 ? rng.pick(team.reps) : null;
  const tier = profile.archetype === 'hot' || rng.chance(0.3) ? 'hot' : 'warm';
  const openedAt = now - Math.floor(rng.next() * options.days * DAY) - 60_000;
  const policy = snapshotPolicy(manifest.sla, tier, team.hours);
  const deadlines = slaDeadlines(policy, openedAt);
  const [signalId, text] = rng.pick(TRIGGERS);
  const trigger: AlertTrigger = {
    kind: 'signal',
    signalId,
    text,
    at: openedAt,
    eventId: `evt_seed_${profile.id}`,
    userId: profile.users[0]?.id ?? null,
  };
  const events: AuditEvent[] = [];

  const roll = rng.next();
  const { open, claimed, contacted } = options.states;
  const state =
    roll < open
      ? 'open'
      : roll < open + claimed
        ? 'claimed'
        : roll < open + claimed + contacted
          ? 'contacted'
          : 'closed';

  // Claimed soon or late after the alert; contacted a while later; back-off windows respected so
  // the data is at rest (no notice owed at `now`).
  const claimDelay = Math.round(rng.logNormal(tier === 'hot' ? 20 : 90, 0.9) * 60_000);
  const touchDelay = Math.round(rng.logNormal(tier === 'hot' ? 90 : 300, 0.9) * 60_000);
  let claimedAt: number | null = null;
  let contactedAt: number | null = null;
  let closedAt: number | null = null;
  let outcome: string | null = null;
  if (state !== 'open') {
    claimedAt = Math.min(now - 2 * 60_000, openedAt + claimDelay);
    if (state !== 'claimed') contactedAt = Math.min(now - 60_000, claimedAt + touchDelay);
  }
  if (state === 'contacted') {
    // Within the last few days: the back-off prompt (80 % of back_off) is not due yet.
    const latest = now - 60_000;
    const earliest = now - Math.round(manifest.scoring.rules.back_off * 0.7);
    contactedAt = Math.max(earliest, Math.min(latest, contactedAt ?? latest));
    claimedAt = Math.min(claimedAt ?? contactedAt, contactedAt);
  }
  if (state === 'closed') {
    outcome = rng.weighted(OUTCOMES);
    closedAt = Math.min(now - 60_000, (contactedAt ?? claimedAt ?? openedAt) + rng.int(1, 10) * DAY);
  }

  // The ladder as far as it ran before the alert was claimed (or up to now while it is open).
  const stopAt = claimedAt ?? (state === 'closed' ? closedAt! : now);
  let cursor = 0;
  for (;;) {
    const due = escalationDueAt(policy, openedAt, cursor);
    if (due === null || due > stopAt) break;
    events.push({
      at: due,
      kind: 'escalation',
      actor: null,
      data: { step: policy.steps[cursor]!.do, index: cursor },
    });
    cursor++;
  }
  const nextEscalationAt = state === 'open' ? escalationDueAt(policy, openedAt, cursor) : null;
  if (claimedAt !== null) events.push({ at: claimedAt, kind: 'claimed', actor: rep, data: {} });
  if (contactedAt !== null) events.push({ at: contactedAt, kind: 'contacted', actor: rep, data: {} });
  if (closedAt !== null) events.push({ at: closedAt, kind: 'closed', actor: rep, data: { outcome } });

  const firstTouchDueAt = deadlines.firstTouchDueAt;
  return {
    row: {
      id: newAlertId(),
      accountId: profile.id,
      state,
      tier,
      teamId: team.id,
      channel: team.channel,
      messageTs: `${Math.floor(openedAt / 1000)}.${String(rng.int(0, 999_999)).padStart(6, '0')}`,
      suggestedRep: rep,
      claimedBy: claimedAt !== null ? rep : null,
      claimedAt,
      contactedAt,
      closedAt,
      outcome,
      trigger,
      baseScore: Math.max(0, score - 30),
      score: Math.max(40, score),
      openedAt,
      tierSetAt: openedAt,
      claimDueAt: deadlines.claimDueAt,
      firstTouchDueAt,
      policy,
      escalationCursor: cursor,
      nextEscalationAt,
      // A claimed alert past its first-touch deadline was already reported (the data is at rest).
      firstTouchBreachedAt: state === 'claimed' && firstTouchDueAt <= now ? firstTouchDueAt : null,
      backOffPromptedAt: null,
      updatedAt: closedAt ?? contactedAt ?? claimedAt ?? openedAt,
    },
    events,
  };
}
