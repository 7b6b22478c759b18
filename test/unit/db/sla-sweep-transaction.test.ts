import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { createAccountsRepo } from '../../../src/db/accounts-repo.js';
import { createAlertsRepo } from '../../../src/db/alerts-repo.js';
import { createOutboxRepo } from '../../../src/db/outbox-repo.js';
import { createSqliteStore } from '../../../src/db/sqlite/sqlite-store.js';
import { createWalSync } from '../../../src/db/sqlite/wal-sync.js';
import { createWriteTurns } from '../../../src/db/sqlite/write-turns.js';
import { createWebhookDeliveriesRepo } from '../../../src/db/webhook-deliveries-repo.js';
import { escalationDueAt } from '../../../src/domain/escalation.js';
import { slaDeadlines, snapshotPolicy } from '../../../src/domain/sla.js';
import { createSlaSweep } from '../../../src/services/sla-sweep.js';
import { TEST_MANIFEST } from '../../support/harness.js';
import { useTempDatabase } from '../../support/temp-database.js';

const manifest = loadManifest(TEST_MANIFEST);
const T0 = Date.parse('2026-11-23T15:00:00Z');
const CLAIM = manifest.sla.tiers.hot.claim;

const temp = useTempDatabase('pls-sweep-');

/** The sweep over a real database, with `count` unclaimed hot alerts raised at T0. */
async function setUp(count: number) {
  const accounts = createAccountsRepo(temp.db);
  const alerts = createAlertsRepo(temp.db);
  const outbox = createOutboxRepo(temp.db);
  const team = manifest.routing.teams.find((t) => t.id === 'mid-market')!;
  const policy = snapshotPolicy(manifest.sla, 'hot', team.hours);
  for (let i = 1; i <= count; i++) {
    await accounts.upsert(`acct_${i}`, { name: `Account ${i}`, employees: 200 }, T0);
    await alerts.insert(
      {
        id: `al_${i}`,
        accountId: `acct_${i}`,
        state: 'open',
        tier: 'hot',
        teamId: team.id,
        channel: team.channel,
        suggestedRep: 'U0ANA',
        trigger: {},
        baseScore: 40,
        score: 80,
        openedAt: T0,
        tierSetAt: T0,
        ...slaDeadlines(policy, T0),
        policy,
        nextEscalationAt: escalationDueAt(policy, T0, 0),
        updatedAt: T0,
      },
      null,
      {},
    );
  }
  let now = T0;
  const sla = createSlaSweep({
    alerts,
    accounts,
    outbox,
    deliveries: createWebhookDeliveriesRepo(temp.db),
    manifest,
    now: () => now,
    store: createSqliteStore({ db: temp.db, wal: createWalSync(temp.db), turns: createWriteTurns() }),
  });
  const steps = async (alertId: string) =>
    (await alerts.history(alertId)).filter((e) => e.kind === 'escalation').map((e) => e.data?.step);
  const queued = (alertId: string) =>
    temp.db.$client.prepare('select count(*) as n from outbox where alert_id = ?').pluck().get(alertId);
  return { sla, alerts, steps, queued, at: (t: number) => (now = t) };
}

describe('the SLA sweep, in one transaction', () => {
  it('fires every due step once, in order, and a second sweep changes nothing', async () => {
    const { sla, steps, at } = await setUp(3);
    at(T0 + 3 * CLAIM);
    const first = await sla.sweep();
    expect(first.escalations).toHaveLength(9);
    expect(first.failed).toEqual([]);
    for (const id of ['al_1', 'al_2', 'al_3'])
      expect(await steps(id)).toEqual(['remind', 'escalate', 'reassign']);
    expect((await sla.sweep()).escalations).toEqual([]);
    expect(temp.db.$client.inTransaction).toBe(false);
  });

  it('rolls back only the step that throws: the others commit with their outbox rows, the broken one is reported', async () => {
    const { sla, steps, queued, at } = await setUp(3);
    // al_2's step fails at its last write (the audit row), after its outbox rows and the alert's
    // new cursor were written: all of them must roll back with it.
    temp.db.$client.exec(`create trigger refuse_al_2 before insert on alert_events
      when new.alert_id = 'al_2' and new.kind = 'escalation' begin select raise(abort, 'disk says no'); end`);
    const cursorOf = (id: string) =>
      temp.db.$client.prepare('select escalation_cursor from alerts where id = ?').pluck().get(id);
    at(T0 + 3 * CLAIM);
    const result = await sla.sweep();
    expect(result.failed).toEqual([
      { alertId: 'al_2', action: 'escalation', error: expect.objectContaining({ message: 'disk says no' }) },
    ]);
    expect(cursorOf('al_2')).toBe(0);
    // al_1 climbed all three steps; the reassignment started its ladder again for the new rep.
    expect(cursorOf('al_1')).toBe(0);
    expect(result.escalations.map((e) => e.alertId)).toEqual([
      ...Array(3).fill('al_1'),
      ...Array(3).fill('al_3'),
    ]);
    expect(await steps('al_1')).toEqual(['remind', 'escalate', 'reassign']);
    expect(await steps('al_3')).toEqual(['remind', 'escalate', 'reassign']);
    expect(await steps('al_2')).toEqual([]);
    expect(queued('al_2')).toBe(0);
    expect(queued('al_1')).toBeGreaterThan(0);
    // Still due, still failing, and nothing fires twice around it.
    expect(await sla.sweep()).toMatchObject({ escalations: [], failed: [{ alertId: 'al_2' }] });
  });

  it('restarts the ladder after a reassignment until the alert has gone round the team, then stops and says so', async () => {
    const { sla, steps, at } = await setUp(1);
    const next = () =>
      temp.db.$client.prepare("select next_escalation_at from alerts where id = 'al_1'").pluck().get();
    at(T0 + 3 * CLAIM);
    await sla.sweep(); // remind, escalate, reassign to the other rep: a fresh ladder
    expect(next()).not.toBeNull();
    at(T0 + 10 * CLAIM);
    await sla.sweep(); // round two: the team has two reps, so this reassignment is the last
    expect(await steps('al_1')).toEqual(['remind', 'escalate', 'reassign', 'remind', 'escalate', 'reassign']);
    expect(next()).toBeNull();
    const notices = temp.db.$client
      .prepare("select payload from outbox where alert_id = 'al_1' and kind = 'notice'")
      .pluck()
      .all() as string[];
    expect(notices.filter((p) => p.includes('went round every rep of the team'))).toHaveLength(1);
    at(T0 + 100 * CLAIM);
    expect((await sla.sweep()).escalations).toEqual([]);
  });

  it('holds no transaction open when nothing is due', async () => {
    const { sla, at } = await setUp(1);
    at(T0 + 1000);
    expect(await sla.sweep()).toEqual({
      escalations: [],
      firstTouchBreaches: 0,
      backOffPrompts: 0,
      backOffClosed: 0,
      failed: [],
    });
    expect(temp.db.$client.inTransaction).toBe(false);
  });
});
