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
    const [row] = await repo.due(NOW, 10);
    expect(row).toMatchObject({ messageId: 'msg_a', attempts: 0, nextAttemptAt: NOW });
    expect(await repo.take(row!, NOW + 40_000)).toBe(true);
    expect(await repo.take(row!, NOW + 40_000)).toBe(false); // another sender read the same row
    expect(await repo.due(NOW + 39_999, 10)).toEqual([]);
    const [again] = await repo.due(NOW + 40_000, 10);
    expect(again).toMatchObject({ attempts: 1 });
    expect(repo.enqueuedSoFar()).toBe(2);
  });

  it('deletes settled deliveries past the cutoff, oldest first, never one still to send', async () => {
    const repo = createWebhookDeliveriesRepo(temp.db);
    for (const [id, age] of [
      ['sent_old', 40],
      ['failed_old', 35],
      ['pending_old', 31],
      ['sent_new', 5],
    ] as const)
      await repo.enqueue(delivery(id, NOW - age * DAY));
    const rows = await repo.due(NOW, 10);
    const seq = (id: string) => rows.find((r) => r.messageId === id)!.seq;
    await repo.sent(seq('sent_old'), NOW - 40 * DAY);
    await repo.failed(seq('failed_old'), NOW - 34 * DAY, 'HTTP 410');
    await repo.sent(seq('sent_new'), NOW - 5 * DAY);
    expect(await repo.deleteSettled(NOW - 30 * DAY, 1)).toBe(1);
    expect(await repo.deleteSettled(NOW - 30 * DAY, 10)).toBe(1);
    expect(await repo.deleteSettled(NOW - 30 * DAY, 10)).toBe(0);
    const left = temp.db.$client
      .prepare('select message_id as id from webhook_deliveries order by seq')
      .all()
      .map((r) => (r as { id: string }).id);
    expect(left).toEqual(['pending_old', 'sent_new']);
  });
});
