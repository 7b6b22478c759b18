import { describe, expect, it } from 'vitest';
import { createOutboxRepo } from '../../../src/db/outbox-repo.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-outbox-');

describe('outbox repository', () => {
  it('queues rows in order with their payload, due at once, and drops repeated App Home refreshes', async () => {
    const outbox = createOutboxRepo(temp.db);
    expect(outbox.enqueuedSoFar()).toBe(0);
    await outbox.enqueue({ kind: 'alert.reply', alertId: 'al_1', text: 'hi <@U1>' }, 5);
    await outbox.refreshHomes(['U1', null, 'U1', undefined, 'U2'], 6);
    expect(outbox.enqueuedSoFar()).toBe(3); // what a scoring turn reports it queued
    expect(await outbox.pending(10)).toMatchObject([
      {
        seq: 1,
        kind: 'alert.reply',
        alertId: 'al_1',
        payload: { text: 'hi <@U1>' },
        createdAt: 5,
        nextAttemptAt: 5,
        attempts: 0,
      },
      { seq: 2, kind: 'home', alertId: null, payload: { userId: 'U1' } },
      { seq: 3, kind: 'home', alertId: null, payload: { userId: 'U2' } },
    ]);
    expect(await outbox.pending(1)).toHaveLength(1);
    expect(await outbox.supersededHome('U1', 1)).toBe(true);
    expect(await outbox.supersededHome('U1', 2)).toBe(false);
    expect(await outbox.depth()).toEqual({ pending: 3, oldest: 5 });
  });

  it('settles rows: sent, failed, failed with the rest of their alert, retried with or without a known outcome', async () => {
    const outbox = createOutboxRepo(temp.db);
    for (let i = 0; i < 3; i++) await outbox.enqueue({ kind: 'alert.update', alertId: 'al_1' }, 1);
    await outbox.enqueue({ kind: 'alert.post', alertId: 'al_2' }, 1);
    await outbox.enqueue({ kind: 'alert.post', alertId: 'al_3' }, 1);
    expect(await outbox.supersededUpdate('al_1', 1)).toBe(true);
    await outbox.markSent(1, 2);
    await outbox.markFailed(2, 'channel_not_found', 3);
    expect(await outbox.supersededUpdate('al_1', 1)).toBe(true);
    await outbox.markAttempt(4, null, 4);
    await outbox.retryLater(4, 'timeout', 10, false);
    await outbox.markAttempt(5, null, 4);
    await outbox.retryLater(5, 'ratelimited', 11, true);
    expect(await outbox.pending(10)).toMatchObject([
      { seq: 3 },
      { seq: 4, attempts: 1, nextAttemptAt: 10, lastError: 'timeout', attemptedAt: 4 },
      { seq: 5, attempts: 1, nextAttemptAt: 11, lastError: 'ratelimited', attemptedAt: null },
    ]);
    await outbox.failPendingOf('al_1', 'alert_never_posted', 12);
    expect((await outbox.pending(10)).map((row) => row.seq)).toEqual([4, 5]);
    expect(await outbox.depth()).toEqual({ pending: 2, oldest: 1 });
    await outbox.markSent(4, 13);
    await outbox.markSent(5, 13);
    expect(await outbox.depth()).toEqual({ pending: 0, oldest: null });
  });
});
