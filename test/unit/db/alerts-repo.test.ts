import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertsRepo } from '../../../src/db/alerts-repo.js';
import { closeDatabase, type Db, openDatabase } from '../../../src/db/client.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-repo-'));
  db = openDatabase(join(dir, 'pls.db'));
});
afterEach(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

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
    const alerts = createAlertsRepo(db);
    alerts.insert(alert('al_1', 'acct_1'), null, {});
    expect(alerts.transition('al_1', ['open'], { state: 'claimed', claimedBy: 'U_A' }, 5)).toBe(true);
    expect(alerts.transition('al_1', ['open'], { state: 'claimed', claimedBy: 'U_B' }, 6)).toBe(false);
    expect(alerts.find('al_1')).toMatchObject({ state: 'claimed', claimedBy: 'U_A', updatedAt: 5 });
  });

  it('refuses a second alert that is not closed for the same account (partial unique index)', () => {
    const alerts = createAlertsRepo(db);
    alerts.insert(alert('al_1', 'acct_1'), null, {});
    expect(() => alerts.insert(alert('al_2', 'acct_1'), null, {})).toThrow(/UNIQUE/);
    alerts.update('al_1', { state: 'closed' }, 9);
    expect(() => alerts.insert(alert('al_3', 'acct_1'), null, {})).not.toThrow();
  });
});
