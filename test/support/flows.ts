import { expect } from 'vitest';
import { ACME, usageEvent, warmingAccount } from './events.js';
import type { Harness } from './harness.js';

/** Posts signed events and waits until the processor has applied all of them. */
export async function deliver(pls: Harness, body: unknown): Promise<void> {
  const res = await pls.postWebhook(body);
  expect(res.status).toBe(202);
  const events =
    'events' in (body as object) ? (body as { events: { id: string }[] }).events : [body as { id: string }];
  const ids = events.map((e) => e.id);
  await pls.emulator.waitFor(
    async () =>
      (
        await pls.query<{ n: number }>(
          `select count(*) as n from events where processed_at is not null and id in (${ids.map(() => '?').join(',')})`,
          ...ids,
        )
      )[0]!.n === ids.length,
    { description: `events ${ids.slice(0, 3).join(', ')}… processed` },
  );
}

/** Everything the bot meant to say has been said (or failed for good). */
export async function settled(pls: Harness): Promise<void> {
  await pls.emulator.waitFor(
    async () =>
      (
        await pls.query<{ n: number }>(
          'select count(*) as n from outbox where sent_at is null and failed_at is null',
        )
      )[0]!.n === 0,
    {
      description: 'outbox drained',
    },
  );
}

export const limitHit = (account: Record<string, unknown> = ACME) =>
  usageEvent({
    type: 'usage_limit_hit',
    account,
    properties: { limit: 'API calls', used: 10000, quota: 10000 },
  });

export interface RaisedAlert {
  alertId: string;
  channel: string;
  ts: string;
  suggestedRep: string | null;
}

/** A realistic account turning hot on a usage-limit hit; resolves once the alert is in Slack. */
export async function raiseHotAlert(
  pls: Harness,
  account: Record<string, unknown> = ACME,
): Promise<RaisedAlert> {
  await deliver(pls, { events: [...warmingAccount(account), limitHit(account)] });
  await settled(pls);
  const [row] = await pls.query<{
    id: string;
    channel: string;
    message_ts: string;
    suggested_rep: string | null;
  }>(
    "select id, channel, message_ts, suggested_rep from alerts where account_id = ? and state <> 'closed'",
    account.id,
  );
  if (!row?.message_ts) throw new Error(`no posted alert for ${String(account.id)}`);
  return { alertId: row.id, channel: row.channel, ts: row.message_ts, suggestedRep: row.suggested_rep };
}

export async function alertRow(pls: Harness, alertId: string) {
  return (
    await pls.query<{
      state: string;
      claimed_by: string | null;
      outcome: string | null;
      suggested_rep: string | null;
      outcome_detail: string | null;
    }>('select state, claimed_by, outcome, suggested_rep, outcome_detail from alerts where id = ?', alertId)
  )[0]!;
}

/** Button labels on the alert's current message. */
export function buttonsOn(pls: Harness, alert: RaisedAlert): string[] {
  const message = pls.emulator.message(alert.channel, alert.ts);
  const actions = (
    (message?.blocks ?? []) as { type: string; elements?: { text: { text: string } }[] }[]
  ).find((b) => b.type === 'actions');
  return actions?.elements?.map((e) => e.text.text) ?? [];
}
