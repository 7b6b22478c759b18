import { escapeMrkdwn, outside, truncate } from '../domain/slack-text.js';
import type { QueueRow, QueueView } from '../services/queue.js';
import { ACTIONS } from './ids.js';

/** The queue as an ephemeral message: one section per alert with its Claim button when unclaimed. */
export function renderQueue(view: QueueView): { text: string; blocks: Record<string, unknown>[] } {
  const header = `*${escapeMrkdwn(view.title)}* · ${view.total} ${view.total === 1 ? 'alert' : 'alerts'}${view.pages > 1 ? ` · page ${view.page} of ${view.pages}` : ''}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(header, 3000) } },
  ];
  if (view.rows.length === 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: view.total === 0 ? 'Nothing in the queue. 🎉' : 'No alerts on this page.',
      },
    });
  }
  for (const row of view.rows) {
    const who = row.holder
      ? `held by <@${row.holder}>`
      : row.suggestedRep
        ? `suggested <@${row.suggestedRep}>`
        : 'nobody suggested';
    blocks.push(
      renderQueueRow(row, { blockPrefix: 'queue', suffix: ` · ${who}`, claim: row.state === 'open' }),
    );
  }
  if (view.page < view.pages) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Next page: add \`${view.page + 1}\` to the command.` }],
    });
  }
  const top = view.rows[0] ? `, top: ${outside(view.rows[0].account, 200)} (${view.rows[0].score})` : '';
  return { text: truncate(`${escapeMrkdwn(view.title)}: ${view.total} alerts${top}`, 3000), blocks };
}

/** One alert as a queue line (the queue, the App Home): why-now, its SLA clock, Claim when asked for. */
export function renderQueueRow(
  row: QueueRow,
  options: { blockPrefix: string; suffix?: string; claim: boolean },
): Record<string, unknown> {
  const play = row.play ? ` · ${escapeMrkdwn(row.play)}` : '';
  const line = `${row.tier === 'hot' ? '🔥' : '🌤'} *${outside(row.account, 200)}*${play} · ${row.score} · ${outside(row.why, 500)}\n${row.clock}${options.suffix ?? ''}`;
  const section: Record<string, unknown> = {
    type: 'section',
    block_id: `${options.blockPrefix}_${row.alertId}`,
    text: { type: 'mrkdwn', text: truncate(line, 3000) },
  };
  if (options.claim) {
    section.accessory = {
      type: 'button',
      action_id: ACTIONS.claim,
      text: { type: 'plain_text', text: 'Claim', emoji: true },
      value: row.alertId,
      style: 'primary',
    };
  }
  return section;
}
