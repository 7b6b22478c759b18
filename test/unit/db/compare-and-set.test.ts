import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertRow, AlertsRepo } from '../../../src/db/alerts-repo.js';
import { MINUTE, MONDAY_10AM_NY as T } from '../../support/domain-builders.js';
import { ENGINES, openTwoInstances, type TwoInstances } from '../../support/engines.js';

/**
 * Correct without a single writer: every state change is a compare-and-set on the state its
 * caller read. Two instances of the storage on one database (two SQLite connections to one file,
 * two Postgres pools on one database); each test forces the interleaving read A, read B, write A,
 * write B, and B's write must find that A moved the row on. Each would pass B's write if its
 * compare-and-set were removed.
 */
describe.each(ENGINES)('on %s', (engine) => {
  let instances: TwoInstances;
  let a: AlertsRepo;
  let b: AlertsRepo;
  beforeEach(async () => {
    instances = await openTwoInstances(engine, () => T);
    a = instances.a.alerts;
    b = instances.b.alerts;
  });
  afterEach(() => instances.close());

  async function insert(changes: Partial<AlertRow> = {}): Promise<void> {
    await a.insert(
      {
        id: 'al_1',
        accountId: 'acct_1',
        state: 'open',
        tier: 'hot',
        teamId: 'mid-market',
        channel: 'C0MIDMARKET',
        suggestedRep: 'U0ANA',
        trigger: { signalId: 'usage_limit_hit', at: T, properties: {} },
        baseScore: 50,
        score: 80,
        openedAt: T,
        tierSetAt: T,
        claimDueAt: T + 15 * MINUTE,
        firstTouchDueAt: T + 120 * MINUTE,
        policy: { tier: 'hot', steps: [] },
        nextEscalationAt: T + 7 * MINUTE,
        updatedAt: T,
        ...changes,
      },
      null,
      {},
    );
  }

  describe('compare-and-set across two connections (read A, read B, write A, write B)', () => {
    it('fires an escalation step once: the second sweep finds the cursor moved', async () => {
      await insert();
      const readA = (await a.find('al_1'))!;
      const readB = (await b.find('al_1'))!;
      const step = { escalationCursor: 1, nextEscalationAt: T + 15 * MINUTE };
      expect(await a.advanceLadder('al_1', readA, step, T + 8 * MINUTE)).toBe(true);
      expect(await b.advanceLadder('al_1', readB, step, T + 8 * MINUTE)).toBe(false);
      // Holding the ladder (a checkout) is a compare-and-set on the due time too.
      const readA2 = (await a.find('al_1'))!;
      const readB2 = (await b.find('al_1'))!;
      expect(await a.advanceLadder('al_1', readA2, { nextEscalationAt: T + HOUR }, T)).toBe(true);
      expect(await b.advanceLadder('al_1', readB2, { escalationCursor: 2 }, T)).toBe(false);
      expect(await a.find('al_1')).toMatchObject({ escalationCursor: 1, nextEscalationAt: T + HOUR });
    });

    it('lets exactly one of two claims win', async () => {
      await insert();
      const readA = (await a.find('al_1'))!;
      const readB = (await b.find('al_1'))!;
      const claim = (by: string) => ({ state: 'claimed', claimedBy: by, claimedAt: T }) as const;
      expect(await a.transition(readA, ['open'], claim('U0ANA'), T)).toBe(true);
      expect(await b.transition(readB, ['open'], claim('U0BEN'), T)).toBe(false);
      expect((await b.find('al_1'))!.claimedBy).toBe('U0ANA');
    });

    it('lets a manager’s assignment read before a claim lose to it, not overwrite it', async () => {
      await insert();
      const manager = (await a.find('al_1'))!;
      const rep = (await b.find('al_1'))!;
      expect(
        await b.transition(rep, ['open'], { state: 'claimed', claimedBy: 'U0BEN', claimedAt: T }, T),
      ).toBe(true);
      // The assignment accepts any state but closed; what it read was an open alert nobody held.
      const assigned = { state: 'claimed', claimedBy: 'U0ANA', assignedBy: 'U0MGR', claimedAt: T } as const;
      expect(await a.transition(manager, ['open', 'claimed', 'contacted'], assigned, T)).toBe(false);
      expect(await a.find('al_1')).toMatchObject({ claimedBy: 'U0BEN', assignedBy: null });
    });

    it('closes with one outcome: a later close finds the alert changed', async () => {
      await insert({ state: 'contacted', claimedBy: 'U0ANA', claimedAt: T, contactedAt: T });
      const closed = { state: 'closed', closedAt: T } as const;
      const readA = (await a.find('al_1'))!;
      const readB = (await b.find('al_1'))!;
      expect(await a.transition(readA, ['contacted'], { ...closed, outcome: 'won' }, T)).toBe(true);
      expect(
        await b.transition(readB, ['claimed', 'contacted'], { ...closed, outcome: 'no_response' }, T),
      ).toBe(false);
      expect((await b.find('al_1'))!.outcome).toBe('won');
    });

    it('flags a missed first touch and prompts a back-off once each', async () => {
      await insert({ state: 'claimed', claimedBy: 'U0ANA', claimedAt: T });
      expect(await a.flagFirstTouchBreach('al_1', T)).toBe(true);
      expect(await b.flagFirstTouchBreach('al_1', T)).toBe(false);
      await a.transition((await a.find('al_1'))!, ['claimed'], { state: 'contacted', contactedAt: T }, T);
      expect(await a.flagBackOffPrompt('al_1', T)).toBe(true);
      expect(await b.flagBackOffPrompt('al_1', T)).toBe(false);
    });

    it('snoozes once: a second snooze read before the first finds it snoozed', async () => {
      await insert();
      const readA = (await a.find('al_1'))!;
      const readB = (await b.find('al_1'))!;
      expect(await a.resnooze('al_1', readA.snoozedUntil, { snoozedUntil: T + HOUR }, T)).toBe(true);
      expect(await b.resnooze('al_1', readB.snoozedUntil, { snoozedUntil: T + 2 * HOUR }, T)).toBe(false);
    });
  });

  describe('outbox rows across two connections (two senders)', () => {
    it('lets one sender attempt a row, and records one answer', async () => {
      const outboxA = instances.a.outbox;
      const outboxB = instances.b.outbox;
      await outboxA.enqueue({ kind: 'alert.post', alertId: 'al_1' }, T);
      const [readA] = await outboxA.pending(10);
      const [readB] = await outboxB.pending(10);
      expect(await outboxA.markAttempt(readA!.seq, readA!.attemptedAt, T + 1)).toBe(true);
      expect(await outboxB.markAttempt(readB!.seq, readB!.attemptedAt, T + 1)).toBe(false);
      // The answer: recorded once; a late failure report from another sender changes nothing.
      expect(await outboxA.markSent(readA!.seq, T + 2)).toBe(true);
      expect(await outboxB.markSent(readB!.seq, T + 2)).toBe(false);
      expect(await outboxB.markFailed(readB!.seq, 'channel_not_found', T + 3)).toBe(false);
      expect(await outboxB.pending(10)).toEqual([]);
    });
  });

  describe('pending events across two connections (two processors)', () => {
    it('lets one processor apply an event: the other finds it applied and rolls back', async () => {
      await instances.eventLog.commit([
        {
          id: 'evt_1',
          source: 'webhook',
          type: 'feature_used',
          accountId: 'acct_1',
          occurredAt: T,
          account: null,
          userId: null,
          user: null,
          properties: {},
        },
      ]);
      const eventsA = instances.a.events;
      const eventsB = instances.b.events;
      const [readA] = await eventsA.pending(10);
      const [readB] = await eventsB.pending(10);
      expect(await eventsA.markProcessed(readA!.seq, T)).toBe(true);
      expect(await eventsB.markProcessed(readB!.seq, T)).toBe(false);
      expect(await eventsB.quarantine(readB!.seq, 'too late', T)).toBe(false);
      expect(await eventsB.pending(10)).toEqual([]);
    });
  });
});

const HOUR = 60 * MINUTE;
