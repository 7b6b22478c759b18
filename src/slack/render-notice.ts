import type { Notice, NoticeTarget } from '../domain/notice.js';
import { shownScore } from '../domain/scoring.js';
import { formatMinutes, outside, slackTime, truncate } from '../domain/slack-text.js';
import { ACTIONS } from './ids.js';

/** What a notice needs to know of its alert, read when it is sent. */
export interface NoticeContext {
  alert: { id: string; tier: 'hot' | 'warm'; channel: string; state: string };
  /** The account's name for people (from events: outside text). */
  account: string;
  managers: readonly string[];
  /** The alert message's permalink, for notices posted outside its thread. */
  link?: string | null;
}

export interface RenderedNotice {
  text: string;
  blocks: Record<string, unknown>[];
}

/**
 * Words a notice for where it goes (the alert's thread, the escalation channel, a person's DM).
 * Pure. Everything that came from outside — the account's name, notes, the why-now of a signal,
 * a plan — is escaped and bounded (`outside`); times use Slack's date formatting, so each reader
 * sees their own zone. A notice that asks someone to claim carries the Claim button while the
 * alert is still open.
 */
export function renderNotice(notice: Notice, target: NoticeTarget, ctx: NoticeContext): RenderedNotice {
  const text = truncate(wording(notice, target, ctx), 3000);
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  if (ctx.link && /^https:\/\/[^\s<>|]+$/.test(ctx.link)) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${ctx.link}|Open the alert>` }] });
  }
  const buttons: Record<string, unknown>[] = [];
  if (asksToClaim(notice, target) && ctx.alert.state === 'open')
    buttons.push(button('Claim', ACTIONS.claim, ctx.alert.id, true));
  // What the managers are told in the escalation channel, they can act on there: hand it to a rep.
  if (target === 'escalation' && ctx.alert.state !== 'closed')
    buttons.push(button('Assign', ACTIONS.assign, ctx.alert.id));
  if (buttons.length > 0)
    blocks.push({ type: 'actions', block_id: `notice_${ctx.alert.id}`, elements: buttons });
  return { text, blocks };
}

function button(label: string, actionId: string, alertId: string, primary = false): Record<string, unknown> {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label, emoji: true },
    value: alertId,
    ...(primary ? { style: 'primary' } : {}),
  };
}

/**
 * A notice that asks someone to claim an alert that was claimed or closed since it was queued:
 * sending it would tell people something that is no longer true, so it is not sent.
 */
export function isStale(notice: Notice, target: NoticeTarget, state: string): boolean {
  return state !== 'open' && notice.type !== 'snooze_ended' && asksToClaim(notice, target);
}

function asksToClaim(notice: Notice, target: NoticeTarget): boolean {
  if (notice.type === 'reminder' || notice.type === 'escalated') return true;
  if (notice.type === 'snooze_ended') return typeof target === 'object';
  return notice.type === 'reassigned' && typeof target === 'object' && target.user === notice.to;
}

function wording(notice: Notice, target: NoticeTarget, ctx: NoticeContext): string {
  const { tier, channel } = ctx.alert;
  const name = outside(ctx.account, 200);
  const where = `<#${channel}>`;
  const managers = ctx.managers.map((id) => `<@${id}>`).join(' ');
  const dm = typeof target === 'object' ? target.user : null;
  switch (notice.type) {
    case 'reminder':
      return dm
        ? `⏰ The ${tier} alert for ${name} in ${where} is waiting for you to claim it: claim by ${slackTime(notice.claimBy)}.`
        : `⏰ ${notice.rep ? `<@${notice.rep}> ` : ''}this ${tier} alert is unclaimed after ${formatMinutes(notice.unclaimedFor)}: claim by ${slackTime(notice.claimBy)}.`;
    case 'escalated':
      return `🚨 ${managers} the ${tier.toUpperCase()} alert for ${name} in ${where} is unclaimed after ${formatMinutes(notice.unclaimedFor)}, past its claim SLA${notice.rep ? ` (suggested rep <@${notice.rep}>)` : ''}.`;
    case 'reassigned':
      if (dm === notice.to)
        return `↪️ The ${tier} alert for ${name} in ${where} was reassigned to you: please claim it.`;
      if (dm)
        return `↪️ The ${tier} alert for ${name} was reassigned to <@${notice.to}> after ${formatMinutes(notice.unclaimedFor)} unclaimed.`;
      return `↪️ Reassigned to <@${notice.to}>: unclaimed after ${formatMinutes(notice.unclaimedFor)}.`;
    case 'routed_by_tier':
      return notice.outsideTier
        ? `📣 ${managers} the ${tier} alert for ${name} in ${where} went to <@${notice.rep}>, who does not take ${tier} alerts: no rep who does can take it now (out of office, at capacity or already passed over).`
        : `⏳ ${managers} the ${tier} alert for ${name} in ${where} waits for <@${notice.rep}>, whose hours start ${slackTime(notice.waitsUntil ?? 0)}: the reps in hours now do not take ${tier} alerts.`;
    case 'nobody_available':
      return `🚨 ${managers} nobody can take the ${tier} alert for ${name} in ${where}: ${outside(notice.reason)}.`;
    case 'first_touch_missed':
      return `🚨 ${managers} <@${notice.claimer}> claimed the ${tier} alert for ${name} in ${where} but has not marked it contacted: the first-touch SLA passed at ${slackTime(notice.dueAt)}.`;
    case 'back_off_prompt':
      return `No outcome yet for ${name}: log one on the alert in ${where}, or on ${slackTime(notice.closesAt)} it closes as no response and the account goes back to self-serve.`;
    case 'back_off_closed':
      return `No response ${formatMinutes(notice.contactedFor)} after first touch: closed, ${name} is back to self-serve.`;
    case 'released':
      return `<@${notice.by}> released this alert. ${notice.next ? `<@${notice.next}> is the suggested rep now.` : 'Nobody else can take it right now.'}`;
    case 'not_a_fit':
      return `<@${notice.by}> marked this not a fit: ${outside(notice.reason, 100)}${notice.note ? ` — ${outside(notice.note, 2000)}` : ''}`;
    case 'outcome':
      return `<@${notice.by}> logged the outcome: ${outside(notice.outcome, 100)}${notice.amount !== null ? ` ($${notice.amount.toLocaleString('en-US')})` : ''}`;
    case 'assigned':
      if (dm === notice.to) return `<@${notice.by}> assigned you the ${tier} alert for ${name} in ${where}.`;
      if (dm) return `<@${notice.by}> reassigned the alert for ${name} to <@${notice.to}>.`;
      return `<@${notice.by}> assigned this alert to <@${notice.to}>.`;
    case 'snoozed':
      return `💤 <@${notice.by}> snoozed this alert until ${slackTime(notice.until)}: its clocks wait until then.`;
    case 'snooze_ended':
      if (dm)
        return `⏰ The ${tier} alert for ${name} in ${where} is back from its snooze${ctx.alert.state === 'open' ? ': please claim it' : ''}.`;
      return notice.by
        ? `⏰ <@${notice.by}> ended the snooze.`
        : '⏰ The snooze is over: the clocks run again.';
    case 'upgraded':
      return `⬆️ Upgraded to HOT (score ${shownScore(notice.score)}): ${outside(notice.why, 500)}`;
    case 'new_signal':
      return `New signal: ${outside(notice.why, 500)} (score ${shownScore(notice.score)})`;
    case 'self_served':
      return `${name} bought ${outside(notice.plan, 100)} on their own: the alert is closed as self-served.`;
  }
}
