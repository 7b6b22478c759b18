import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { createAccountsRepo } from '../../../src/db/accounts-repo.js';
import { createAlertsRepo } from '../../../src/db/alerts-repo.js';
import { sqliteStorageOn } from '../../../src/db/sqlite/sqlite-storage.js';
import { createLogger } from '../../../src/obs/logger.js';
import { createHomeViews } from '../../../src/services/home.js';
import { createQueueService } from '../../../src/services/queue.js';
import { TEST_MANIFEST } from '../../support/harness.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-home-');
const manifest = loadManifest(TEST_MANIFEST);
const NOW = 1_000_000;

function alertHeldBy(
  id: string,
  state: 'claimed' | 'contacted',
  score: number,
  firstTouchDueAt = NOW + 3_600_000,
) {
  return {
    id,
    accountId: `acct_${id}`,
    state,
    tier: 'hot' as const,
    teamId: 'mid-market',
    channel: 'C1',
    trigger: { text: 'hit the limit', at: NOW - 60_000 },
    baseScore: 0,
    score,
    openedAt: 1,
    tierSetAt: 1,
    claimDueAt: 2,
    claimedBy: 'U0BEN',
    claimedAt: 3,
    firstTouchDueAt,
    policy: {},
    updatedAt: 1,
  };
}

describe('App Home', () => {
  it("lists the rep's alerts awaiting first touch even when more contacted ones outrank them", async () => {
    const alerts = createAlertsRepo(temp.db);
    const accounts = createAccountsRepo(temp.db);
    for (let i = 0; i < 20; i++) await alerts.insert(alertHeldBy(`al_c${i}`, 'contacted', 90), null, {});
    await alerts.insert(alertHeldBy('al_waiting', 'claimed', 50), null, {});
    const store = sqliteStorageOn(temp.db, { logger: createLogger('silent'), checkpoints: false }).store;
    const homes = createHomeViews({
      alerts,
      queue: createQueueService({ alerts, accounts, manifest, store }),
      manifest,
      store,
    });
    expect((await homes.home('U0BEN', NOW)).mine.map((row) => row.alertId)).toEqual(['al_waiting']);
  });

  it('leads with a breached first touch even past the first page by score', async () => {
    const alerts = createAlertsRepo(temp.db);
    const accounts = createAccountsRepo(temp.db);
    for (let i = 0; i < 20; i++) await alerts.insert(alertHeldBy(`al_h${i}`, 'claimed', 90 - i), null, {});
    await alerts.insert(alertHeldBy('al_late', 'claimed', 10, NOW - 60_000), null, {});
    const store = sqliteStorageOn(temp.db, { logger: createLogger('silent'), checkpoints: false }).store;
    const homes = createHomeViews({
      alerts,
      queue: createQueueService({ alerts, accounts, manifest, store }),
      manifest,
      store,
    });
    const { mine } = await homes.home('U0BEN', NOW);
    expect(mine[0]).toMatchObject({ alertId: 'al_late', breached: true });
  });
});
