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
  it('transition is a compare-and-set: of two claims from open, only the first changes the alert', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert(alert('al_1', 'acct_1'), null, {});
    const read = alerts.find('al_1')!;
    expect(alerts.transition(read, ['open'], { state: 'claimed', claimedBy: 'U_A' }, 5)).toBe(true);
    expect(alerts.transition(read, ['open'], { state: 'claimed', claimedBy: 'U_B' }, 6)).toBe(false);
    // Read again it is claimed: a transition from open still finds nothing to change.
    expect(alerts.transition(alerts.find('al_1')!, ['open'], { claimedBy: 'U_B' }, 7)).toBe(false);
    expect(alerts.find('al_1')).toMatchObject({ state: 'claimed', claimedBy: 'U_A', updatedAt: 5 });
  });

  it('refuses a second alert that is not closed for the same account (partial unique index)', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert(alert('al_1', 'acct_1'), null, {});
    expect(() => alerts.insert(alert('al_2', 'acct_1'), null, {})).toThrow(/UNIQUE/);
    alerts.update('al_1', { state: 'closed' }, 9);
    expect(() => alerts.insert(alert('al_3', 'acct_1'), null, {})).not.toThrow();
  });
});

describe('alerts repository, prepared statements', () => {
  it('writes each set of columns with its own statement, JSON columns encoded, undefined columns untouched', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert({ ...alert('al_1', 'acct_1'), trigger: { signalId: 'usage_limit_hit' } }, 'U_A', {
      why: 1,
    });
    alerts.update('al_1', { score: 90, suggestedRep: 'U_B', outcomeDetail: { note: 'x' } }, 7);
    alerts.update('al_1', { score: 95, suggestedRep: undefined }, 8);
    expect(alerts.find('al_1')).toMatchObject({
      trigger: { signalId: 'usage_limit_hit' },
      score: 95,
      suggestedRep: 'U_B',
      outcomeDetail: { note: 'x' },
      updatedAt: 8,
    });
    expect(alerts.history('al_1')).toMatchObject([{ kind: 'opened', actor: 'U_A', data: { why: 1 } }]);
  });

  it('transition compares against the states it was given, whatever other calls asked before', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert(alert('al_1', 'acct_1'), null, {});
    const now = () => alerts.find('al_1')!;
    expect(alerts.transition(now(), ['claimed'], { state: 'contacted' }, 5)).toBe(false);
    expect(alerts.transition(now(), ['open', 'claimed'], { state: 'contacted' }, 6)).toBe(true);
    expect(alerts.transition(now(), ['claimed'], { state: 'closed' }, 7)).toBe(false);
    expect(alerts.find('al_1')).toMatchObject({ state: 'contacted', updatedAt: 6 });
  });

  it('finds an alert with the few facts of its account, the checkout start read out of the scoring state', () => {
    const alerts = createAlertsRepo(temp.db);
    const accounts = createAccountsRepo(temp.db);
    accounts.upsert('acct_1', { domain: 'acme.com', employees: 300 }, 1);
    accounts.saveScore('acct_1', { ...emptyAccountState(), upgradeStartedAt: 42 }, 50, 'warm', 2);
    alerts.insert(alert('al_1', 'acct_1'), null, {});
    alerts.insert(alert('al_2', 'acct_gone'), null, {});
    // A null first column must not hide the account (drizzle nulls a joined object on its first column).
    expect(alerts.findWithAccount('al_1')).toMatchObject({
      alert: { id: 'al_1', policy: {} },
      account: { id: 'acct_1', name: null, domain: 'acme.com', employees: 300, upgradeStartedAt: 42 },
    });
    expect(alerts.findWithAccount('al_2')).toMatchObject({ alert: { id: 'al_2' }, account: null });
    expect(alerts.findWithAccount('al_3')).toBeNull();
  });

  it('tells who is out of office and what each rep holds in one go, as isOoo and heldBy do one by one', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert({ ...alert('al_1', 'acct_1'), state: 'claimed', claimedBy: 'U_A' }, null, {});
    alerts.insert({ ...alert('al_2', 'acct_2'), state: 'contacted', claimedBy: 'U_A' }, null, {});
    alerts.insert({ ...alert('al_3', 'acct_3'), state: 'closed', claimedBy: 'U_A' }, null, {});
    alerts.insert({ ...alert('al_4', 'acct_4'), state: 'claimed', claimedBy: 'U_C' }, null, {});
    alerts.setOoo('U_B', true, 1);
    alerts.setOoo('U_A', true, 1);
    alerts.setOoo('U_A', false, 2);
    const { away, held } = alerts.repStatus();
    expect([...away]).toEqual(['U_B']);
    expect(Object.fromEntries(held)).toEqual({ U_A: 2, U_C: 1 });
    for (const rep of ['U_A', 'U_B', 'U_C', 'U_NEW']) {
      expect(away.has(rep)).toBe(alerts.isOoo(rep));
      expect(held.get(rep) ?? 0).toBe(alerts.heldBy(rep));
    }
  });

  it('lists the sweep’s candidates by id, due ones oldest first', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert({ ...alert('al_1', 'acct_1'), nextEscalationAt: 30 }, null, {});
    alerts.insert({ ...alert('al_2', 'acct_2'), nextEscalationAt: 10 }, null, {});
    alerts.insert({ ...alert('al_3', 'acct_3'), nextEscalationAt: 99 }, null, {});
    alerts.insert(
      { ...alert('al_4', 'acct_4'), state: 'claimed', nextEscalationAt: 5, firstTouchDueAt: 20 },
      null,
      {},
    );
    alerts.insert({ ...alert('al_5', 'acct_5'), state: 'contacted', contactedAt: 40 }, null, {});
    expect(alerts.dueEscalations(50, 10)).toEqual(['al_2', 'al_1']);
    expect(alerts.dueEscalations(50, 1)).toEqual(['al_2']);
    expect(alerts.firstTouchBreaches(50, 10)).toEqual(['al_4']);
    expect(alerts.firstTouchBreaches(19, 10)).toEqual([]);
    expect(alerts.contactedBefore(40, 10)).toEqual(['al_5']);
    expect(alerts.contactedBefore(39, 10)).toEqual([]);
  });

  it('writes a null as SQL NULL, a JSON column included, and an object as JSON', () => {
    const alerts = createAlertsRepo(temp.db);
    alerts.insert({ ...alert('al_1', 'acct_1'), outcomeDetail: { note: 'x' } }, null, {});
    const stored = () =>
      temp.db.$client.prepare("select outcome_detail, claimed_by from alerts where id = 'al_1'").get();
    expect(stored()).toEqual({ outcome_detail: '{"note":"x"}', claimed_by: null });
    alerts.update('al_1', { outcomeDetail: null, claimedBy: 'U_A' }, 2);
    expect(stored()).toEqual({ outcome_detail: null, claimed_by: 'U_A' });
    expect(alerts.find('al_1')?.outcomeDetail).toBeNull();
    alerts.update('al_1', { outcomeDetail: { note: 'y' }, claimedBy: null }, 3); // same columns, other shape
    expect(stored()).toEqual({ outcome_detail: '{"note":"y"}', claimed_by: null });
  });
});
