import { describe, expect, it } from 'vitest';
import type { Notice, NoticeTarget } from '../../../src/domain/notice.js';
import { isStale, type NoticeContext, renderNotice } from '../../../src/slack/render-notice.js';
import { HOUR, MINUTE, MONDAY_10AM_NY } from '../../support/domain-builders.js';

const HOSTILE = '<!channel> *bold* <@U0MGR> <https://evil.example|x> & co';
const ctx = (state = 'open'): NoticeContext => ({
  alert: { id: 'al_1', tier: 'hot', channel: 'C0MID', state },
  account: `Acme ${HOSTILE}`,
  managers: ['U0MGR', 'U0VP'],
});
const AT = MONDAY_10AM_NY;

/** One notice of every kind, each with outside text wherever it can carry some. */
const EVERY: [Notice, NoticeTarget][] = [
  [{ type: 'reminder', rep: 'U0ANA', unclaimedFor: 8 * MINUTE, claimBy: AT }, 'thread'],
  [{ type: 'reminder', rep: 'U0ANA', unclaimedFor: 8 * MINUTE, claimBy: AT }, { user: 'U0ANA' }],
  [{ type: 'escalated', rep: 'U0ANA', unclaimedFor: 16 * MINUTE }, 'escalation'],
  [{ type: 'reassigned', to: 'U0BEN', from: 'U0ANA', unclaimedFor: 31 * MINUTE }, 'thread'],
  [{ type: 'reassigned', to: 'U0BEN', from: 'U0ANA', unclaimedFor: 31 * MINUTE }, { user: 'U0BEN' }],
  [{ type: 'reassigned', to: 'U0BEN', from: 'U0ANA', unclaimedFor: 31 * MINUTE }, { user: 'U0ANA' }],
  [{ type: 'nobody_available', reason: HOSTILE }, 'escalation'],
  [{ type: 'first_touch_missed', claimer: 'U0ANA', dueAt: AT }, 'escalation'],
  [{ type: 'back_off_prompt', closesAt: AT }, { user: 'U0ANA' }],
  [{ type: 'back_off_closed', contactedFor: 7 * 24 * HOUR }, 'thread'],
  [{ type: 'released', by: 'U0ANA', next: 'U0BEN' }, 'thread'],
  [{ type: 'not_a_fit', by: 'U0ANA', reason: 'Other', note: HOSTILE }, 'thread'],
  [{ type: 'outcome', by: 'U0ANA', outcome: 'Won', amount: 12_000 }, 'thread'],
  [{ type: 'assigned', by: 'U0MGR', to: 'U0BEN', from: 'U0ANA' }, 'thread'],
  [{ type: 'assigned', by: 'U0MGR', to: 'U0BEN', from: 'U0ANA' }, { user: 'U0BEN' }],
  [{ type: 'upgraded', score: 81.4, why: HOSTILE }, 'thread'],
  [{ type: 'new_signal', score: 72, why: HOSTILE }, 'thread'],
  [{ type: 'self_served', plan: HOSTILE }, { user: 'U0ANA' }],
];

describe('renderNotice', () => {
  it.each(EVERY)('shows outside text as text: %o to %o', (notice, target) => {
    const { text, blocks } = renderNotice(notice, target, ctx());
    const all = `${text} ${JSON.stringify(blocks)}`;
    for (const active of ['<!channel>', '<https://evil', 'Acme <@U0MGR>']) expect(all).not.toContain(active);
  });

  it('words each notice for where it goes', () => {
    const words = EVERY.map(
      ([notice, target]) => renderNotice(notice, target, { ...ctx(), account: 'Acme' }).text,
    );
    expect(words).toEqual([
      `⏰ <@U0ANA> this hot alert is unclaimed after 8 min: claim by <!date^${AT / 1000}^{date_short_pretty} {time}|Nov 23 15:00 UTC>.`,
      `⏰ The hot alert for Acme in <#C0MID> is waiting for you to claim it: claim by <!date^${AT / 1000}^{date_short_pretty} {time}|Nov 23 15:00 UTC>.`,
      '🚨 <@U0MGR> <@U0VP> the HOT alert for Acme in <#C0MID> is unclaimed after 16 min, past its claim SLA (suggested rep <@U0ANA>).',
      '↪️ Reassigned to <@U0BEN>: unclaimed after 31 min.',
      '↪️ The hot alert for Acme in <#C0MID> was reassigned to you: please claim it.',
      '↪️ The hot alert for Acme was reassigned to <@U0BEN> after 31 min unclaimed.',
      `🚨 <@U0MGR> <@U0VP> nobody can take the hot alert for Acme in <#C0MID>: ${'&lt;!channel&gt; *bold* &lt;@U0MGR&gt; &lt;https://evil.example|x&gt; &amp; co'}.`,
      `🚨 <@U0MGR> <@U0VP> <@U0ANA> claimed the hot alert for Acme in <#C0MID> but has not marked it contacted: the first-touch SLA passed at <!date^${AT / 1000}^{date_short_pretty} {time}|Nov 23 15:00 UTC>.`,
      `No outcome yet for Acme: log one on the alert in <#C0MID>, or on <!date^${AT / 1000}^{date_short_pretty} {time}|Nov 23 15:00 UTC> it closes as no response and the account goes back to self-serve.`,
      'No response 168 h after first touch: closed, Acme is back to self-serve.',
      '<@U0ANA> released this alert. <@U0BEN> is the suggested rep now.',
      '<@U0ANA> marked this not a fit: Other — &lt;!channel&gt; *bold* &lt;@U0MGR&gt; &lt;https://evil.example|x&gt; &amp; co',
      '<@U0ANA> logged the outcome: Won ($12,000)',
      '<@U0MGR> assigned this alert to <@U0BEN>.',
      '<@U0MGR> assigned you the hot alert for Acme in <#C0MID>.',
      '⬆️ Upgraded to HOT (score 81): &lt;!channel&gt; *bold* &lt;@U0MGR&gt; &lt;https://evil.example|x&gt; &amp; co',
      'New signal: &lt;!channel&gt; *bold* &lt;@U0MGR&gt; &lt;https://evil.example|x&gt; &amp; co (score 72)',
      'Acme bought &lt;!channel&gt; *bold* &lt;@U0MGR&gt; &lt;https://evil.example|x&gt; &amp; co on their own: the alert is closed as self-served.',
    ]);
  });

  it('carries Claim where it asks someone to claim, while the alert is open', () => {
    const claimOn = (notice: Notice, target: NoticeTarget, state = 'open') =>
      JSON.stringify(renderNotice(notice, target, ctx(state)).blocks).includes('"action_id":"claim"');
    const reminder: Notice = { type: 'reminder', rep: 'U0ANA', unclaimedFor: MINUTE, claimBy: AT };
    const reassigned: Notice = { type: 'reassigned', to: 'U0BEN', from: 'U0ANA', unclaimedFor: HOUR };
    expect(claimOn(reminder, 'thread')).toBe(true);
    expect(claimOn(reminder, { user: 'U0ANA' })).toBe(true);
    expect(claimOn({ type: 'escalated', rep: null, unclaimedFor: HOUR }, 'escalation')).toBe(true);
    expect(claimOn(reassigned, { user: 'U0BEN' })).toBe(true);
    expect(claimOn(reassigned, { user: 'U0ANA' })).toBe(false);
    expect(claimOn(reminder, 'thread', 'claimed')).toBe(false);
    expect(claimOn({ type: 'released', by: 'U0ANA', next: null }, 'thread')).toBe(false);
  });

  it('bounds a huge outside value to fit a section', () => {
    const { text } = renderNotice(
      { type: 'new_signal', score: 70, why: 'x'.repeat(900_000) },
      'thread',
      ctx(),
    );
    expect(text.length).toBeLessThan(600);
    expect(text).toContain('…');
  });

  it('holds back a request to claim an alert someone took (or closed) since it was queued', () => {
    const reminder: Notice = { type: 'reminder', rep: 'U0ANA', unclaimedFor: MINUTE, claimBy: AT };
    expect(isStale(reminder, { user: 'U0ANA' }, 'open')).toBe(false);
    expect(isStale(reminder, { user: 'U0ANA' }, 'claimed')).toBe(true);
    expect(isStale({ type: 'escalated', rep: null, unclaimedFor: HOUR }, 'escalation', 'closed')).toBe(true);
    expect(isStale({ type: 'released', by: 'U0ANA', next: null }, 'thread', 'claimed')).toBe(false);
    expect(isStale({ type: 'snooze_ended', by: null }, { user: 'U0ANA' }, 'claimed')).toBe(false);
  });

  it('links to the alert message when it has a permalink, and only a Slack https link', () => {
    const escalated: Notice = { type: 'escalated', rep: null, unclaimedFor: HOUR };
    const withLink = renderNotice(escalated, 'escalation', {
      ...ctx(),
      link: 'https://acme.slack.com/archives/C0MID/p1',
    });
    expect(JSON.stringify(withLink.blocks)).toContain(
      '<https://acme.slack.com/archives/C0MID/p1|Open the alert>',
    );
    const forged = renderNotice(escalated, 'escalation', { ...ctx(), link: 'https://x|<!channel>' });
    expect(JSON.stringify(forged.blocks)).not.toContain('Open the alert');
  });
});
