import { escapeMrkdwn } from '../domain/slack-text.js';
import type { HomeView } from '../services/home.js';
import type { QueueRow } from '../services/queue.js';
import { ACTIONS } from './ids.js';
import { renderQueueRow } from './render-queue.js';

const row = (r: QueueRow, claim: boolean) => renderQueueRow(r, { blockPrefix: 'home', claim });

/** A button to act on the alert right there in the Home; the first of a row is the primary one. */
const button = (actionId: string, text: string, alertId: string, primary = false) => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text, emoji: true },
  value: alertId,
  ...(primary ? { style: 'primary' } : {}),
});

/** A claimed alert awaiting first touch, with what its holder does next, right there. */
const claimedRow = (r: QueueRow) => [
  row(r, false),
  {
    type: 'actions',
    block_id: `home_next_${r.alertId}`,
    elements: [
      button(ACTIONS.markContacted, 'Mark contacted', r.alertId, true),
      button(ACTIONS.logOutcome, 'Log outcome', r.alertId),
    ],
  },
];

/** A contacted alert: its holder logs how it ended, right there. */
const contactedRow = (r: QueueRow) => [
  renderQueueRow(r, { blockPrefix: 'home_contacted', claim: false }),
  {
    type: 'actions',
    block_id: `home_outcome_${r.alertId}`,
    elements: [button(ACTIONS.logOutcome, 'Log outcome', r.alertId, true)],
  },
];

/**
 * Rows grouped by play, in the order their plays first appear (rows keep theirs: the most urgent
 * first), each group under its play's name; the rows themselves stop repeating it. With new
 * business alone rows carry no play, and there is one group without a heading.
 */
function byPlay(
  rows: readonly QueueRow[],
  render: (row: QueueRow) => Record<string, unknown>[],
  prefix: string,
) {
  const groups = new Map<string | null, QueueRow[]>();
  for (const r of rows) {
    const group = groups.get(r.play) ?? [];
    group.push(r);
    groups.set(r.play, group);
  }
  return [...groups].flatMap(([play, group], index) => [
    ...(play === null
      ? []
      : [
          {
            type: 'context',
            block_id: `${prefix}_play_${index}`,
            elements: [{ type: 'mrkdwn', text: `*${escapeMrkdwn(play)}*` }],
          },
        ]),
    ...group.flatMap((r) => render({ ...r, play: null })),
  ]);
}

/** The Home tab view for `views.publish`. ≤ 100 blocks: each list is capped by the service (15 rows). */
export function renderHome(view: HomeView) {
  const blocks: Record<string, unknown>[] = [];
  if (view.role === 'none') {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'pls routes product-qualified leads to the reps and managers named in its PQL manifest. Ask your sales-ops engineer to add you.',
      },
    });
    return { type: 'home' as const, blocks };
  }
  blocks.push(
    {
      type: 'header',
      block_id: 'home_header',
      text: { type: 'plain_text', text: 'Your claimed alerts', emoji: true },
    },
    ...(view.mine.length > 0
      ? byPlay(view.mine, claimedRow, 'home_mine')
      : [
          {
            type: 'section',
            block_id: 'home_empty',
            text: { type: 'mrkdwn', text: 'Nothing awaiting first touch.' },
          },
        ]),
    ...(view.contacted.length > 0
      ? [
          { type: 'divider' },
          {
            type: 'header',
            block_id: 'home_contacted',
            text: { type: 'plain_text', text: 'Contacted: log how it ended', emoji: true },
          },
          ...byPlay(view.contacted, contactedRow, 'home_contacted'),
        ]
      : []),
    { type: 'divider' },
    {
      type: 'header',
      block_id: 'home_queue',
      text: { type: 'plain_text', text: `Unclaimed in your teams (${view.unclaimedTotal})`, emoji: true },
    },
    ...(view.unclaimed.length > 0
      ? byPlay(view.unclaimed, (r) => [row(r, true)], 'home_queue')
      : [{ type: 'section', text: { type: 'mrkdwn', text: 'The queue is empty.' } }]),
  );
  if (view.role === 'rep') {
    blocks.push(
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'home_ooo',
        elements: [
          {
            type: 'button',
            action_id: ACTIONS.toggleOoo,
            text: { type: 'plain_text', text: view.ooo ? "I'm back" : 'Out of office', emoji: true },
            value: view.ooo ? 'off' : 'on',
            ...(view.ooo ? { style: 'primary' } : {}),
          },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: view.ooo ? 'You are out of office: new alerts skip you.' : 'You are in the routing.',
          },
        ],
      },
    );
  }
  return { type: 'home' as const, blocks };
}
