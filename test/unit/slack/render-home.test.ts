import { describe, expect, it } from 'vitest';
import type { HomeView } from '../../../src/services/home.js';
import type { QueueRow } from '../../../src/services/queue.js';
import { renderHome } from '../../../src/slack/render-home.js';
import { validateBlocks } from '../../../tools/emulator/block-kit-limits.js';

const row = (alertId: string, account: string, play: string | null): QueueRow => ({
  alertId,
  account,
  play,
  tier: 'hot',
  score: 80,
  state: 'open',
  why: 'hit the API calls limit (10,000/10,000) · 3 min ago',
  holder: null,
  suggestedRep: 'U0ANA',
  clock: 'claim due in 12 min',
  breached: false,
});

const view = (unclaimed: QueueRow[]): HomeView => ({
  userId: 'U0ANA',
  role: 'rep',
  ooo: false,
  mine: [],
  contacted: [],
  unclaimed,
  unclaimedTotal: unclaimed.length,
});

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: { text: string }[] };
const lines = (blocks: Block[]) =>
  blocks.flatMap((b) =>
    b.block_id?.includes('_play_')
      ? [`# ${b.elements![0]!.text}`]
      : b.type === 'section'
        ? [b.text!.text.split('\n')[0]!]
        : [],
  );

describe('renderHome: plays', () => {
  it('groups each list by play, in the order their most urgent alerts come, under the play’s name', () => {
    const { blocks } = renderHome(
      view([
        row('al_1', 'Acme', 'New business'),
        row('al_2', 'Paidco', 'Churn risk'),
        row('al_3', 'Betaco', 'New business'),
        row('al_4', 'Gamma <!channel>', 'Churn risk'),
      ]),
    );
    const queue = lines(blocks as Block[]).slice(
      lines(blocks as Block[]).indexOf('Nothing awaiting first touch.') + 1,
    );
    expect(queue).toEqual([
      '# *New business*',
      '🔥 *Acme* · 80 · hit the API calls limit (10,000/10,000) · 3 min ago',
      '🔥 *Betaco* · 80 · hit the API calls limit (10,000/10,000) · 3 min ago',
      '# *Churn risk*',
      '🔥 *Paidco* · 80 · hit the API calls limit (10,000/10,000) · 3 min ago',
      '🔥 *Gamma &lt;!channel&gt;* · 80 · hit the API calls limit (10,000/10,000) · 3 min ago',
    ]);
    expect(validateBlocks(blocks, 'home')).toEqual([]);
  });

  it('has no play headings with new business alone', () => {
    const { blocks } = renderHome(view([row('al_1', 'Acme', null)]));
    expect((blocks as Block[]).filter((b) => b.block_id?.includes('_play_'))).toEqual([]);
  });
});
