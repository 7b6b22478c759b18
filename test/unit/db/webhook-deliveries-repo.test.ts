import { describe, expect, it } from 'vitest';
import {
  createWebhookDeliveriesRepo,
  type NewWebhookDelivery,
} from '../../../src/db/webhook-deliveries-repo.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-deliveries-');
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-07T12:00:00Z');

const delivery = (id: string, createdAt: number): NewWebhookDelivery => ({
  messageId: id,
  url: 'https://hooks.example.com/pls',
  type: 'alert.opened',
  accountId: 'acct_1',
  alertId: null,
  payload: '{}',
  createdAt,
});

describe('the webhook deliveries repository', () => {
  it('takes a due row for one attempt only once, and lets a lost attempt fall due again', async () => {
    const repo = createWebhookDeliveriesRepo(temp.db);
    await repo.enqueue(delivery('msg_a', NOW));
    await repo.enqueue(delivery('msg_a', NOW)); // the same event and endpoint: kept once
    const URL = 'https://hooks.example.com/pls';
    const [row] = await repo.due(URL, NOW, 10);
    expect(row).toMatchObject({ messageId: 'msg_a', attempts: 0, nextAttemptAt: NOW });
    expect(await repo.take(row!, NOW + 40_000)).toBe(true);
    expect(await repo.take(row!, NOW + 40_000)).toBe(false); // another sender read the same row
    expect(await repo.due(URL, NOW + 39_999, 10)).toEqual([]);
    const [again] = await repo.due(URL, NOW + 40_000, 10);
    expect(again).toMatchObject({ attempts: 1 });
    expect(repo.enqueuedSoFar()).toBe(2);
    // The first attempt's sender comes back after its lease ran out and another took the row:
    // its answer changes nothing; the second attempt's does.
    expect(await repo.take(again!, NOW + 80_000)).toBe(true);
    await repo.sent({ seq: again!.seq, attempt: 1, until: NOW + 40_000 }, NOW + 50_000);
    expect(await repo.due(URL, NOW + 80_000, 10)).toHaveLength(1);
    // Put off (a 429): the attempt does not count, and the stale sender still changes nothing.
    await repo.putOff({ seq: again!.seq, attempt: 2, until: NOW + 80_000 }, NOW + 85_000, 'HTTP 429');
    await repo.sent({ seq: again!.seq, attempt: 1, until: NOW + 40_000 }, NOW + 86_000);
    const [put] = await repo.due(URL, NOW + 85_000, 10);
    expect(put).toMatchObject({ attempts: 1, nextAttemptAt: NOW + 85_000 });
    expect(await repo.take(put!, NOW + 120_000)).toBe(true);
    await repo.retry({ seq: put!.seq, attempt: 2, until: NOW + 120_000 }, NOW + 90_000, 'HTTP 503');
    expect(await repo.nextDueAt([URL])).toBe(NOW + 90_000);
    expect(await repo.nextDueAt(['https://elsewhere.example'])).toBeNull();
  });

  it("holds a row behind its alert's earlier unsettled row, and does not count it as due next", async () => {
    const repo = createWebhookDeliveriesRepo(temp.db);
    const URL = 'https://hooks.example.com/pls';
    await repo.enqueue({ ...delivery('msg_first', NOW), alertId: 'al_1' });
    await repo.enqueue({ ...delivery('msg_second', NOW), alertId: 'al_1' });
    await repo.enqueue({ ...delivery('msg_other_alert', NOW + 5_000), alertId: 'al_2' });
    const [first] = await repo.due(URL, NOW, 10);
    expect(first!.messageId).toBe('msg_first');
    expect(await repo.take(first!, NOW + 40_000)).toBe(true);
    // While the first is leased, the second waits, and the next due is the other alert's row.
    expect((await repo.due(URL, NOW + 10_000, 10)).map((r) => r.messageId)).toEqual(['msg_other_alert']);
    expect(await repo.nextDueAt([URL])).toBe(NOW + 5_000);
    await repo.sent({ seq: first!.seq, attempt: 1, until: NOW + 40_000 }, NOW + 1_000);
    expect((await repo.due(URL, NOW + 10_000, 10)).map((r) => r.messageId)).toEqual([
      'msg_second',
      'msg_other_alert',
    ]);
  });

  it('rests an endpoint: its rows due sooner wait, later ones keep their time', async () => {
    const repo = createWebhookDeliveriesRepo(temp.db);
    const URL = 'https://hooks.example.com/pls';
    await repo.enqueue(delivery('msg_soon', NOW));
    await repo.enqueue(delivery('msg_late', NOW + 60_000));
    await repo.enqueue({ ...delivery('msg_other', NOW), url: 'https://other.example/hook' });
    await repo.rest(URL, NOW + 30_000);
    expect((await repo.due(URL, NOW + 29_999, 10)).map((r) => r.messageId)).toEqual([]);
    expect((await repo.due(URL, NOW + 30_000, 10)).map((r) => r.messageId)).toEqual(['msg_soon']);
    expect((await repo.due(URL, NOW + 60_000, 10)).map((r) => r.messageId)).toEqual(['msg_soon', 'msg_late']);
    expect((await repo.due('https://other.example/hook', NOW, 10)).map((r) => r.messageId)).toEqual([
      'msg_other',
    ]);
  });

  it('deletes deliveries queued before the cutoff, oldest first, whatever became of them', async () => {
    const repo = createWebhookDeliveriesRepo(temp.db);
    for (const [id, age] of [
      ['sent_old', 40],
      ['failed_old', 35],
      ['pending_old', 31],
      ['sent_new', 5],
    ] as const)
      await repo.enqueue(delivery(id, NOW - age * DAY));
    const rows = await repo.due('https://hooks.example.com/pls', NOW, 10);
    const seq = (id: string) => rows.find((r) => r.messageId === id)!.seq;
    for (const row of rows) await repo.take(row, NOW);
    const lease = (id: string) => ({ seq: seq(id), attempt: 1, until: NOW });
    await repo.sent(lease('sent_old'), NOW - 40 * DAY);
    await repo.failed(lease('failed_old'), NOW - 34 * DAY, 'HTTP 410');
    await repo.sent(lease('sent_new'), NOW - 5 * DAY);
    expect(await repo.deleteExpired(NOW - 30 * DAY, 1)).toBe(1);
    expect(await repo.deleteExpired(NOW - 30 * DAY, 10)).toBe(2);
    expect(await repo.deleteExpired(NOW - 30 * DAY, 10)).toBe(0);
    const left = temp.db.$client
      .prepare('select message_id as id from webhook_deliveries order by seq')
      .all()
      .map((r) => (r as { id: string }).id);
    expect(left).toEqual(['sent_new']);
  });
});
