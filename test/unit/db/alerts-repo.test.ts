import { describe, expect, it } from 'vitest';
import { createAccountsRepo } from '../../../src/db/accounts-repo.js';
import { createAlertsRepo } from '../../../src/db/alerts-repo.js';
import { emptyAccountState } from '../../../src/domain/account-state.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-repo-');

const alert = (id: string, accountId: string) => ({
  id,
  accountId,
  state: 'open' as const,
  tier: 'hot' as const,
  teamId: 't',
  channel: 'C1',
  trigger: {},
  baseScore: 0,
  score: 80,
  openedAt: 1,
  tierSetAt: 1,
  claimDueAt: 2,
  policy: {},
  updatedAt: 1,
});

describe('alerts repository', () => {
  it('transition is a compare-and-set: of two claims from open, only the first changes the alert', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert(alert('al_1', 'acct_1'), null, {});
    const read = (await alerts.find('al_1'))!;
    expect(await alerts.transition(read, ['open'], { state: 'claimed', claimedBy: 'U_A' }, 5)).toBe(true);
    expect(await alerts.transition(read, ['open'], { state: 'claimed', claimedBy: 'U_B' }, 6)).toBe(false);
    // Read again it is claimed: a transition from open still finds nothing to change.
    expect(await alerts.transition((await alerts.find('al_1'))!, ['open'], { claimedBy: 'U_B' }, 7)).toBe(
      false,
    );
    expect(await alerts.find('al_1')).toMatchObject({ state: 'claimed', claimedBy: 'U_A', updatedAt: 5 });
  });

  it('refuses a second alert that is not closed for the same account (partial unique index)', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert(alert('al_1', 'acct_1'), null, {});
    await expect(alerts.insert(alert('al_2', 'acct_1'), null, {})).rejects.toThrow(/UNIQUE/);
    await alerts.update('al_1', { state: 'closed' }, 9);
    await expect(alerts.insert(alert('al_3', 'acct_1'), null, {})).resolves.toBeUndefined();
  });

  it('keeps one alert that is not closed per account and play, and reads the latest of each play at once', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert(alert('al_1', 'acct_1'), null, {});
    await alerts.insert({ ...alert('al_2', 'acct_1'), play: 'expansion', openedAt: 5 }, null, {});
    await expect(
      alerts.insert({ ...alert('al_3', 'acct_1'), play: 'expansion', openedAt: 6 }, null, {}),
    ).rejects.toThrow(/UNIQUE/);
    await alerts.update('al_2', { state: 'closed', closedAt: 7, outcome: 'won' }, 7);
    await alerts.insert(
      { ...alert('al_4', 'acct_1'), play: 'expansion', openedAt: 3, tier: 'warm' },
      null,
      {},
    );
    // The open one wins over a newer closed one; each play its own.
    const latest = await alerts.latestSummaries('acct_1');
    expect(latest.sort((a, b) => a.play.localeCompare(b.play))).toEqual([
      {
        id: 'al_4',
        play: 'expansion',
        state: 'open',
        tier: 'warm',
        openedAt: 3,
        closedAt: null,
        outcome: null,
      },
      {
        id: 'al_1',
        play: 'new_business',
        state: 'open',
        tier: 'hot',
        openedAt: 1,
        closedAt: null,
        outcome: null,
      },
    ]);
    expect((await alerts.findOpen('acct_1', 'expansion'))?.id).toBe('al_4');
    expect((await alerts.findLatest('acct_1', 'new_business'))?.id).toBe('al_1');
    expect(await alerts.findOpen('acct_1', 'churn_risk')).toBeNull();
  });
});

describe('alerts repository, prepared statements', () => {
  it('writes each set of columns with its own statement, JSON columns encoded, undefined columns untouched', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert({ ...alert('al_1', 'acct_1'), trigger: { signalId: 'usage_limit_hit' } }, 'U_A', {
      why: 1,
    });
    await alerts.update('al_1', { score: 90, suggestedRep: 'U_B', outcomeDetail: { note: 'x' } }, 7);
    await alerts.update('al_1', { score: 95, suggestedRep: undefined }, 8);
    expect(await alerts.find('al_1')).toMatchObject({
      trigger: { signalId: 'usage_limit_hit' },
      score: 95,
      suggestedRep: 'U_B',
      outcomeDetail: { note: 'x' },
      updatedAt: 8,
    });
    expect(await alerts.history('al_1')).toMatchObject([{ kind: 'opened', actor: 'U_A', data: { why: 1 } }]);
  });

  it('transition compares against the states it was given, whatever other calls asked before', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert(alert('al_1', 'acct_1'), null, {});
    const now = async () => (await alerts.find('al_1'))!;
    expect(await alerts.transition(await now(), ['claimed'], { state: 'contacted' }, 5)).toBe(false);
    expect(await alerts.transition(await now(), ['open', 'claimed'], { state: 'contacted' }, 6)).toBe(true);
    expect(await alerts.transition(await now(), ['claimed'], { state: 'closed' }, 7)).toBe(false);
    expect(await alerts.find('al_1')).toMatchObject({ state: 'contacted', updatedAt: 6 });
  });

  it('finds an alert with the few facts of its account, the checkout start read out of the scoring state', async () => {
    const alerts = createAlertsRepo(temp.db);
    const accounts = createAccountsRepo(temp.db);
    await accounts.upsert('acct_1', { domain: 'acme.com', employees: 300 }, 1);
    await accounts.saveScore('acct_1', { ...emptyAccountState(), upgradeStartedAt: 42 }, 50, 'warm', 2);
    await alerts.insert(alert('al_1', 'acct_1'), null, {});
    await alerts.insert(alert('al_2', 'acct_gone'), null, {});
    // A null first column must not hide the account (drizzle nulls a joined object on its first column).
    expect(await alerts.findWithAccount('al_1')).toMatchObject({
      alert: { id: 'al_1', policy: {} },
      account: { id: 'acct_1', name: null, domain: 'acme.com', employees: 300, upgradeStartedAt: 42 },
    });
    expect(await alerts.findWithAccount('al_2')).toMatchObject({ alert: { id: 'al_2' }, account: null });
    expect(await alerts.findWithAccount('al_3')).toBeNull();
  });

  it('tells who is out of office and what each rep holds in one go, as isOoo and heldBy do one by one', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert({ ...alert('al_1', 'acct_1'), state: 'claimed', claimedBy: 'U_A' }, null, {});
    await alerts.insert({ ...alert('al_2', 'acct_2'), state: 'contacted', claimedBy: 'U_A' }, null, {});
    await alerts.insert({ ...alert('al_3', 'acct_3'), state: 'closed', claimedBy: 'U_A' }, null, {});
    await alerts.insert({ ...alert('al_4', 'acct_4'), state: 'claimed', claimedBy: 'U_C' }, null, {});
    await alerts.setOoo('U_B', true, 1);
    await alerts.setOoo('U_A', true, 1);
    await alerts.setOoo('U_A', false, 2);
    const { away, held } = await alerts.repStatus();
    expect([...away]).toEqual(['U_B']);
    expect(Object.fromEntries(held)).toEqual({ U_A: 2, U_C: 1 });
    for (const rep of ['U_A', 'U_B', 'U_C', 'U_NEW']) {
      expect(away.has(rep)).toBe(await alerts.isOoo(rep));
      expect(held.get(rep) ?? 0).toBe(await alerts.heldBy(rep));
    }
  });

  it('lists the sweep’s candidates by id, due ones oldest first', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert({ ...alert('al_1', 'acct_1'), nextEscalationAt: 30 }, null, {});
    await alerts.insert({ ...alert('al_2', 'acct_2'), nextEscalationAt: 10 }, null, {});
    await alerts.insert({ ...alert('al_3', 'acct_3'), nextEscalationAt: 99 }, null, {});
    await alerts.insert(
      { ...alert('al_4', 'acct_4'), state: 'claimed', nextEscalationAt: 5, firstTouchDueAt: 20 },
      null,
      {},
    );
    await alerts.insert({ ...alert('al_5', 'acct_5'), state: 'contacted', contactedAt: 40 }, null, {});
    expect(await alerts.dueEscalations(50, 10)).toEqual(['al_2', 'al_1']);
    expect(await alerts.dueEscalations(50, 1)).toEqual(['al_2']);
    expect(await alerts.firstTouchBreaches(50, 10)).toEqual(['al_4']);
    expect(await alerts.firstTouchBreaches(19, 10)).toEqual([]);
    expect(await alerts.contactedBefore(40, 'new_business', 10)).toEqual(['al_5']);
    expect(await alerts.contactedBefore(39, 'new_business', 10)).toEqual([]);
    expect(await alerts.contactedBefore(40, 'expansion', 10)).toEqual([]);
    expect(await alerts.contactedBeforeOutside(40, ['expansion'], 10)).toEqual(['al_5']);
    expect(await alerts.contactedBeforeOutside(40, ['new_business', 'expansion'], 10)).toEqual([]);
  });

  it('writes a null as SQL NULL, a JSON column included, and an object as JSON', async () => {
    const alerts = createAlertsRepo(temp.db);
    await alerts.insert({ ...alert('al_1', 'acct_1'), outcomeDetail: { note: 'x' } }, null, {});
    const stored = () =>
      temp.db.$client.prepare("select outcome_detail, claimed_by from alerts where id = 'al_1'").get();
    expect(stored()).toEqual({ outcome_detail: '{"note":"x"}', claimed_by: null });
    await alerts.update('al_1', { outcomeDetail: null, claimedBy: 'U_A' }, 2);
    expect(stored()).toEqual({ outcome_detail: null, claimed_by: 'U_A' });
    expect((await alerts.find('al_1'))?.outcomeDetail).toBeNull();
    await alerts.update('al_1', { outcomeDetail: { note: 'y' }, claimedBy: null }, 3); // same columns, other shape
    expect(stored()).toEqual({ outcome_detail: '{"note":"y"}', claimed_by: null });
  });
});
