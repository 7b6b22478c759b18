import type { Layer } from '../domain/definition.js';
import type { Opener, OpenerContact } from '../domain/opener.js';
import { type Contribution, shownScore } from '../domain/scoring.js';
import { whyNowWords } from '../domain/signal-text.js';
import type { SlaLapse } from '../domain/sla.js';
import {
  escapeMrkdwn,
  formatDate,
  formatMinutes,
  outside,
  slackTime,
  truncate,
} from '../domain/slack-text.js';
import { accountLabel } from '../domain/usage-event.js';
import type { AlertCard } from '../services/alert-card.js';
import { ACTIONS, VIEWS } from './ids.js';

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON is validated by the emulator and Slack.
type Block = Record<string, any>;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

const TIER_LABEL = { hot: '🔥 HOT', warm: '🌤 WARM' } as const;
const LAYER_ORDER: readonly Layer[] = ['intent', 'behavioral', 'organizational'];
const LAYER_LABEL: Record<Layer, string> = {
  intent: 'Intent',
  behavioral: 'Behavioral',
  organizational: 'Organizational',
};
/** The new-business play's label (src/config/manifest-schema.ts): its alerts say "back to self-serve". */
const NEW_BUSINESS_LABEL = 'New business';

const OUTCOME_LABEL: Record<string, string> = {
  won: 'won 🎉',
  lost: 'lost',
  no_response: 'no response: back to self-serve',
  not_a_fit: 'not a fit',
  self_served: 'self-served: bought on their own',
};

/** How many signals the parent message names; the rest are one click away (Details). */
const TOP_SIGNALS = 3;
/** How many people the parent message names. */
const TOP_CONTACTS = 2;

/**
 * The alert message, re-rendered whole from state on every change (`chat.update`). Pure. It is
 * short enough to act on in seconds — state first, buttons in view (issue 17): tier, account and
 * score; why now; the signals that matter most; whom to talk to; the SLA clock; the buttons. The
 * full breakdown, the dossier, every contact and the suggested first message are behind
 * **Details** (`renderAlertDetails`). A closed alert keeps its short form.
 */
export function renderAlert(card: AlertCard): SlackMessage {
  const name = accountLabel(card.account, card.account.id);
  const closed = card.state === 'closed';
  // A paying customer who did not answer has no self-serve to go back to: only new business says so.
  const ended =
    card.outcome === 'no_response' && card.play !== null && card.play !== NEW_BUSINESS_LABEL
      ? 'no response'
      : (OUTCOME_LABEL[card.outcome ?? ''] ?? card.outcome);
  const breach = breachOf(card);
  const play = card.play ? ` · ${card.play}` : '';
  const header = closed
    ? `${card.tier.toUpperCase()}${play} · ${name} · closed${ended ? `: ${ended}` : ''}`
    : `${TIER_LABEL[card.tier]}${play} · ${name} · ${scoreText(card)}${breach ? ` · ⚠️ ${breach}` : ''}`;
  const whyNow = whyNowWords(card.trigger, card.now);

  const blocks: Block[] = [
    {
      type: 'header',
      block_id: 'alert_header',
      text: { type: 'plain_text', text: truncate(header, 150), emoji: true },
    },
    section('alert_why', `*Why now:* ${outside(whyNow, 500)}`),
  ];
  if (!closed) {
    const signals = topSignals(card.contributions, card.trigger.signalId);
    if (signals) blocks.push(section('alert_signals', signals));
    const contacts = renderContacts(whomToTalkTo(card));
    if (contacts) blocks.push(section('alert_contacts', contacts));
  }
  blocks.push({
    type: 'context',
    block_id: 'alert_status',
    elements: [{ type: 'mrkdwn', text: truncate(statusLine(card), 3000) }],
  });
  blocks.push({ type: 'actions', block_id: 'alert_actions', elements: renderButtons(card) });

  // The fallback is parsed as mrkdwn too (it is what notifications show): an account called
  // "<!channel>" must not page the channel. https://api.slack.com/reference/surfaces/formatting#escaping
  const playText = card.play ? ` - ${card.play}` : '';
  const text = closed
    ? `${card.tier.toUpperCase()}${playText} - ${name}: closed${ended ? `, ${ended}` : ''}`
    : `${card.tier.toUpperCase()}${playText} - ${name} - ${scoreText(card)}: ${whyNow}`;
  return { text: truncate(escapeMrkdwn(text), 3000), blocks };
}

/**
 * The score as the header says it: rounded down (a warm 69.6 must not read as the hot threshold
 * 70), what it was before the alert, and "capped" when the layers add up to more than 100.
 */
function scoreText(card: AlertCard): string {
  const score = shownScore(card.score);
  const before = shownScore(card.baseScore);
  const change = before < score ? `up from ${before}` : `down from ${before}`;
  const notes = [card.uncapped > 100 ? 'capped' : null, before !== score ? change : null];
  const said = notes.filter(Boolean).join('; ');
  return `score ${score}${said ? ` (${said})` : ''}`;
}

/** A missed SLA, for the header: the channel sees it at a glance, not only in small print. */
function breachOf(card: AlertCard): string | null {
  if (card.state === 'open' && card.now > card.claimDueAt) return 'claim SLA breached';
  if (card.state === 'claimed' && card.firstTouchDueAt !== null && card.now > card.firstTouchDueAt)
    return 'first-touch SLA breached';
  return null;
}

/** The person behind the why now, then whom the first message is for, then the most active. */
function whomToTalkTo(card: AlertCard): OpenerContact[] {
  const ordered = [card.contacts.find((c) => c.trigger), card.opener.to, ...card.contacts];
  const people: OpenerContact[] = [];
  for (const c of ordered) if (c && !people.includes(c)) people.push(c);
  return people.slice(0, TOP_CONTACTS);
}

/**
 * The few signals that matter most, across layers, and how many more the breakdown has. The
 * signal the why-now line already says is not said twice.
 */
function topSignals(contributions: Contribution[], said: string | null): string | null {
  const others = contributions.filter((c) => c.id !== said);
  if (others.length === 0) return null;
  const top = others.slice(0, TOP_SIGNALS).map((c) => `${outside(c.text, 150)} *+${Math.round(c.points)}*`);
  const more = others.length - TOP_SIGNALS;
  return `*Also:* ${top.join(' · ')}${more > 0 ? ` · _+${more} more in Details_` : ''}`;
}

/**
 * Everything behind **Details**: the full breakdown by layer (adding up to the score, the cap
 * said), whom to talk to, the dossier, the suggested first message, the SLA clock. A modal.
 */
export function renderAlertDetails(card: AlertCard): Block {
  const name = accountLabel(card.account, card.account.id);
  const blocks: Block[] = [
    section(
      'details_score',
      `*${TIER_LABEL[card.tier]}${card.play ? ` · ${escapeMrkdwn(card.play)}` : ''} · ${outside(name, 200)}*\n${outside(whyNowWords(card.trigger, card.now), 500)}`,
    ),
    section('details_sum', sumLine(card)),
  ];
  const layers = renderLayers(card);
  if (layers.length > 0) blocks.push({ type: 'section', block_id: 'details_layers', fields: layers });
  const contacts = renderContacts(card.contacts);
  if (contacts) blocks.push(section('details_contacts', contacts));
  blocks.push({ type: 'section', block_id: 'details_dossier', fields: renderDossier(card) });
  blocks.push(section('details_opener', renderOpener(card.opener)));
  blocks.push({
    type: 'context',
    block_id: 'details_status',
    elements: [{ type: 'mrkdwn', text: truncate(statusLine(card), 3000) }],
  });
  return {
    type: 'modal',
    callback_id: VIEWS.details,
    title: { type: 'plain_text', text: truncate(name, 24) || 'Alert' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  };
}

/** How the layers add up to the score: every layer's points, their sum, and the cap if it bit. */
function sumLine(card: AlertCard): string {
  const points = layerPoints(card);
  const parts = LAYER_ORDER.filter((layer) => card.layers[layer] > 0).map(
    (layer) => `${LAYER_LABEL[layer]} ${points.get(layer)}`,
  );
  const capped = card.uncapped > 100 ? `, capped at 100` : '';
  return `*Score ${shownScore(card.score)}*: ${parts.join(' + ') || 'nothing yet'} = ${Math.floor(card.uncapped)} points${capped}.`;
}

/** Each layer's whole points, adding up to the whole points of their sum (as the score is shown). */
function layerPoints(card: AlertCard): Map<Layer, number> {
  const shown = LAYER_ORDER.filter((layer) => card.layers[layer] > 0);
  const whole = apportion(
    shown.map((layer) => card.layers[layer]),
    Math.floor(card.uncapped),
  );
  return new Map(shown.map((layer, i) => [layer, whole[i]!]));
}

/**
 * Whole numbers for `values` that add up to `total` (largest remainder): the parts of a breakdown
 * a rep adds up in their head add up to the figure beside them.
 */
function apportion(values: readonly number[], total: number): number[] {
  const whole = values.map((v) => Math.floor(v));
  let left = total - whole.reduce((sum, w) => sum + w, 0);
  const byRemainder = values
    .map((v, i) => ({ i, remainder: v - Math.floor(v) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    whole[i]!++;
    left--;
  }
  for (let i = whole.length - 1; left < 0 && i >= 0; i--) {
    const take = Math.min(whole[i]!, -left);
    whole[i]! -= take;
    left += take;
  }
  return whole;
}

function section(blockId: string, text: string): Block {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}

/**
 * Top contributing signals with their points, one field per layer, strongest layer first; each
 * layer's whole points are the sum line's, and its lines add up to them.
 */
function renderLayers(card: AlertCard): Block[] {
  const points = layerPoints(card);
  const byLayer = new Map<Layer, Contribution[]>();
  for (const c of card.contributions) byLayer.set(c.layer, [...(byLayer.get(c.layer) ?? []), c]);
  return [...byLayer.entries()]
    .map(([layer, items]) => ({ layer, items, total: items.reduce((sum, c) => sum + c.points, 0) }))
    .sort((a, b) => b.total - a.total)
    .map(({ layer, items, total }) => {
      const layerTotal = points.get(layer) ?? Math.floor(total);
      const listed = items.slice(0, 8);
      const rest = items.slice(8).reduce((sum, c) => sum + c.points, 0);
      const whole = apportion([...listed.map((c) => c.points), ...(rest > 0 ? [rest] : [])], layerTotal);
      const lines = listed.map((c, i) => `• ${outside(c.text, 150)} *+${whole[i]}*`);
      if (items.length > 8) {
        const left = whole[listed.length] ?? 0;
        const pts = left === 0 ? 'under a point' : left === 1 ? '1 pt' : `${left} pts`;
        lines.push(`• _+${items.length - 8} more, ${pts}_`);
      }
      return {
        type: 'mrkdwn',
        text: truncate(`*${LAYER_LABEL[layer]}* · ${layerTotal} pts\n${lines.join('\n')}`, 2000),
      };
    });
}

function renderContacts(contacts: AlertCard['contacts']): string | null {
  if (contacts.length === 0) return null;
  const lines = contacts.map((c) => {
    const who = [c.name, c.title].filter(Boolean).join(', ') || c.email || 'unknown user';
    const email = c.email && c.name ? ` · ${c.email}` : '';
    return `• ${outside(who + email, 300)}${c.trigger ? ' _(behind the why now)_' : ''}`;
  });
  return `*Whom to talk to*\n${lines.join('\n')}`;
}

function renderDossier(card: AlertCard): Block[] {
  const a = card.account;
  const field = (label: string, value: string) => ({
    type: 'mrkdwn',
    text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, 2000),
  });
  return [
    field('Plan', a.plan ?? '—'),
    field('Active users (14d)', String(card.dossier.activeUsers)),
    field('Employees', a.employees?.toLocaleString('en-US') ?? '—'),
    field('Industry', a.industry ?? '—'),
    field('Domain', a.domain ?? '—'),
    field(
      'Signed up · activated',
      `${formatDate(card.dossier.signedUpAt, card.zone)} · ${formatDate(card.dossier.activatedAt, card.zone)}`,
    ),
    field('Usage trend', card.dossier.trend),
    field('Tried, not on plan', card.dossier.gatedFeatures.slice(0, 5).join(', ') || '—'),
    field('Best time to reach', card.dossier.bestTime ?? 'not enough sessions yet'),
  ];
}

/** The suggested first message, whom it is for and who is behind the signal (for the rep). */
function renderOpener(opener: Opener): string {
  const who = (c: OpenerContact) => [c.name, c.title].filter(Boolean).join(', ') || c.email || 'unknown';
  const to = opener.to ? ` · to ${outside(who(opener.to), 200)}` : '';
  const behind = opener.behind ? `\n_Behind the signal: ${outside(who(opener.behind), 200)}_` : '';
  return `*Suggested first message*${to}${behind}\n>${outside(opener.text, 1500)}`;
}

function snoozed(card: AlertCard): boolean {
  return (
    card.snoozedUntil !== null &&
    card.snoozedUntil > card.now &&
    (card.state === 'open' || card.state === 'claimed')
  );
}

function statusLine(card: AlertCard): string {
  const line = stateLine(card);
  return snoozed(card) ? `💤 Snoozed until ${slackTime(card.snoozedUntil!)} · ${line}` : line;
}

function stateLine(card: AlertCard): string {
  const line = currentClock(card);
  return card.lapses.length > 0 ? `${line}\n${lapseLine(card.lapses)}` : line;
}

/**
 * "SLA record: claim missed with @Ann, 2× with @Ben; first touch missed while nobody held it. A
 * miss counts for the team, and for the rep it was with." One entry per clock and rep, counted.
 */
function lapseLine(lapses: readonly SlaLapse[]): string {
  const counts = new Map<string, number>();
  for (const l of lapses) {
    const key = `${l.clock}|${l.rep ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const said = (clock: SlaLapse['clock']) => {
    const whom = [...counts]
      .filter(([key]) => key.startsWith(`${clock}|`))
      .map(([key, n]) => {
        const rep = key.slice(clock.length + 1);
        return `${n > 1 ? `${n}× ` : ''}${rep ? `with <@${rep}>` : 'while nobody held it'}`;
      });
    return whom.length > 0
      ? `${clock === 'claim' ? 'claim' : 'first touch'} missed ${whom.join(', ')}`
      : null;
  };
  const parts = [said('claim'), said('first_touch')].filter(Boolean);
  return `SLA record: ${parts.join('; ')}. A miss counts for the team, and for the rep it was with.`;
}

/** Why routing chose the suggested rep, when it was not the plain round-robin. */
function routeWords(card: AlertCard): string {
  const route = card.route;
  if (!route || !card.suggestedRep) return '';
  const words: string[] = [];
  if (route.ownerFrom === 'crm') words.push('routed to the HubSpot owner');
  if (route.crmOwnerSkipped)
    words.push(`HubSpot owner ${escapeMrkdwn(route.crmOwnerSkipped.name)} ${route.crmOwnerSkipped.why}`);
  if (route.outsideTier) words.push(`outside the tier: no rep who takes ${card.tier} alerts can take it`);
  if (route.waitsUntil !== null && route.waitsUntil > card.now)
    words.push(`waits for their hours, from ${slackTime(route.waitsUntil)}`);
  return words.length > 0 ? ` (${words.join('; ')})` : '';
}

function currentClock(card: AlertCard): string {
  const clock = slackTime;
  const rep = (id: string | null) => (id ? `<@${id}>` : 'nobody available');
  switch (card.state) {
    case 'open': {
      const due = `claim by ${clock(card.claimDueAt)}`;
      const touch = card.firstTouchDueAt ? ` · first touch by ${clock(card.firstTouchDueAt)}` : '';
      const late = card.now > card.claimDueAt ? ' · claim SLA breached' : '';
      return `Suggested rep: ${rep(card.suggestedRep)}${routeWords(card)} · ${due}${touch}${late}`;
    }
    case 'claimed':
    case 'contacted': {
      if (card.assignedBy) return assignedLine(card);
      const tookMs = (card.claimedAt ?? card.now) - card.tierSetAt;
      const met = (card.claimedAt ?? card.now) <= card.claimDueAt ? 'claim SLA met' : 'claim SLA breached';
      // An upgrade after the claim re-sets tierSetAt: the time to claim is then unknown here, not negative.
      const took = tookMs >= 0 ? ` in ${formatMinutes(tookMs)}` : '';
      const claimed = `Claimed by ${rep(card.claimedBy)}${took} · ${met}`;
      if (card.state === 'contacted') {
        const onTime =
          card.firstTouchDueAt === null || (card.contactedAt ?? card.now) <= card.firstTouchDueAt;
        return `${claimed} · contacted ${clock(card.contactedAt ?? card.now)} · first-touch SLA ${onTime ? 'met' : 'breached'}`;
      }
      if (card.firstTouchDueAt === null) return claimed;
      const breached = card.now > card.firstTouchDueAt ? ' · first-touch SLA breached' : '';
      return `${claimed} · first touch by ${clock(card.firstTouchDueAt)}${breached}`;
    }
    case 'closed':
      return `Closed ${clock(card.closedAt ?? card.now)}${card.claimedBy ? ` · held by ${rep(card.claimedBy)}` : ''}`;
  }
}

/**
 * A manager handed it over: the holder never had a claim clock, and their first-touch clock
 * started at the hand-over.
 */
function assignedLine(card: AlertCard): string {
  const by = `Assigned to <@${card.claimedBy}> by <@${card.assignedBy}>${card.route?.outsideTier ? ` (outside the tier: no rep of the team takes ${card.tier} alerts)` : ''}`;
  if (card.state === 'contacted') {
    const onTime = card.firstTouchDueAt === null || (card.contactedAt ?? card.now) <= card.firstTouchDueAt;
    return `${by} · contacted ${slackTime(card.contactedAt ?? card.now)} · first-touch SLA ${onTime ? 'met' : 'breached'}`;
  }
  if (card.firstTouchDueAt === null) return by;
  const breached = card.now > card.firstTouchDueAt ? ' · first-touch SLA breached' : '';
  return `${by} · first touch by ${slackTime(card.firstTouchDueAt)}${breached}`;
}

function button(text: string, actionId: string, alertId: string, style?: 'primary' | 'danger'): Block {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text, emoji: true },
    value: alertId,
    ...(style ? { style } : {}),
  };
}

/** The buttons by state, labelled exactly as the README's table ("Working the alert"). */
function renderButtons(card: AlertCard): Block[] {
  return [...stateButtons(card), button('Details', ACTIONS.details, card.alertId)];
}

function stateButtons(card: AlertCard): Block[] {
  // While snoozed, Unsnooze (managers) stands where Snooze was.
  const snooze = snoozed(card)
    ? button('Unsnooze', ACTIONS.unsnooze, card.alertId)
    : button('Snooze', ACTIONS.snooze, card.alertId);
  switch (card.state) {
    case 'open':
      return [
        button('Claim', ACTIONS.claim, card.alertId, 'primary'),
        button('Not a fit', ACTIONS.notAFit, card.alertId),
        snooze,
      ];
    case 'claimed':
      return [
        button('Mark contacted', ACTIONS.markContacted, card.alertId, 'primary'),
        button('Release', ACTIONS.release, card.alertId),
        button('Log outcome', ACTIONS.logOutcome, card.alertId),
        snooze,
      ];
    case 'contacted':
      return [
        button('Log outcome', ACTIONS.logOutcome, card.alertId, 'primary'),
        button('Release', ACTIONS.release, card.alertId),
      ];
    case 'closed':
      return [];
  }
}
