import { describe, expect, it } from 'vitest';
import type { AlertCard } from '../../../src/services/alert-card.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { renderAlert, renderAlertDetails } from '../../../src/slack/render-alert.js';
import { validateBlocks, validateView } from '../../../tools/emulator/block-kit-limits.js';
import {
  alertCard,
  contribution,
  DAY,
  MINUTE,
  MONDAY_10AM_NY,
  trigger,
} from '../../support/domain-builders.js';

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON.
type Block = Record<string, any>;

const NOW = MONDAY_10AM_NY; // 10:00 New York
const RAISED = NOW - 3 * MINUTE; // 09:57

const block = (card: AlertCard, id: string): Block | undefined =>
  renderAlert(card).blocks.find((b) => b.block_id === id);
/** A block of the Details modal. */
const detail = (card: AlertCard, id: string): Block | undefined =>
  renderAlertDetails(card).blocks.find((b: Block) => b.block_id === id);
/** `<!date^…>` as Slack's fallback shows it (UTC): what each reader sees in their own zone. */
const at = (utc: string) => {
  const ms = Date.parse(`${utc}Z`);
  const d = new Date(ms);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hhmm = d.toISOString().slice(11, 16);
  return `<!date^${ms / 1000}^{date_short_pretty} {time}|${month} ${d.getUTCDate()} ${hhmm} UTC>`;
};
const statusOf = (card: AlertCard): string => block(card, 'alert_status')!.elements[0].text;
const buttonsOf = (card: AlertCard) =>
  (block(card, 'alert_actions')?.elements ?? []).map((b: Block) => ({
    label: b.text.text,
    action: b.action_id,
    value: b.value,
  }));

/** Every mrkdwn text in the message: what Slack parses for `<…>` links and mentions. */
function mrkdwnTexts(blocks: Block[]): string[] {
  const texts: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Block;
      if (record.type === 'mrkdwn' && typeof record.text === 'string') texts.push(record.text);
      Object.values(record).forEach(visit);
    }
  };
  visit(blocks);
  return texts;
}

const claimed = (overrides: Partial<AlertCard> = {}) =>
  alertCard({ state: 'claimed', claimedBy: 'U0BEN', claimedAt: RAISED + 7 * MINUTE, ...overrides });
const contacted = (overrides: Partial<AlertCard> = {}) =>
  claimed({ state: 'contacted', contactedAt: RAISED + 30 * MINUTE, now: RAISED + 40 * MINUTE, ...overrides });
const closed = (overrides: Partial<AlertCard> = {}) =>
  contacted({
    state: 'closed',
    outcome: 'won',
    closedAt: RAISED + 43 * MINUTE,
    now: RAISED + 45 * MINUTE,
    ...overrides,
  });

describe('renderAlert: a pure function of the card', () => {
  it('renders the same message twice and leaves the card alone', () => {
    const card = alertCard();
    const copy = structuredClone(card);
    expect(renderAlert(card)).toEqual(renderAlert(copy));
    expect(card).toEqual(copy);
  });
});

describe('renderAlert: buttons by state', () => {
  it('offers Claim, Not a fit, Snooze and Details on an open alert', () => {
    expect(buttonsOf(alertCard())).toEqual([
      { label: 'Claim', action: ACTIONS.claim, value: 'al_01TEST' },
      { label: 'Not a fit', action: ACTIONS.notAFit, value: 'al_01TEST' },
      { label: 'Snooze', action: ACTIONS.snooze, value: 'al_01TEST' },
      { label: 'Details', action: ACTIONS.details, value: 'al_01TEST' },
    ]);
  });

  it('offers Mark contacted, Release and Log outcome on a claimed alert', () => {
    expect(buttonsOf(claimed()).map((b: { label: string }) => b.label)).toEqual([
      'Mark contacted',
      'Release',
      'Log outcome',
      'Snooze',
      'Details',
    ]);
    expect(buttonsOf(claimed()).map((b: { action: string }) => b.action)).toEqual([
      ACTIONS.markContacted,
      ACTIONS.release,
      ACTIONS.logOutcome,
      ACTIONS.snooze,
      ACTIONS.details,
    ]);
  });

  it('offers Unsnooze in Snooze’s place while snoozed, and says until when', () => {
    const snoozed = alertCard({ snoozedUntil: NOW + 60 * MINUTE });
    expect(buttonsOf(snoozed).map((b: { label: string }) => b.label)).toEqual([
      'Claim',
      'Not a fit',
      'Unsnooze',
      'Details',
    ]);
    expect(statusOf(snoozed)).toMatch(
      /^💤 Snoozed until <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+> · Suggested rep/,
    );
    // Once the time is up it reads as any other alert, even before the sweep tells anyone.
    expect(
      buttonsOf(alertCard({ snoozedUntil: NOW - MINUTE })).map((b: { label: string }) => b.label),
    ).toContain('Snooze');
  });

  it('offers Log outcome, Release and Details once contacted', () => {
    expect(buttonsOf(contacted()).map((b: { label: string }) => b.label)).toEqual([
      'Log outcome',
      'Release',
      'Details',
    ]);
  });

  it('offers only Details on a closed alert', () => {
    expect(buttonsOf(closed()).map((b: { label: string }) => b.label)).toEqual(['Details']);
  });

  it('carries only the alert id in each button', () => {
    for (const card of [alertCard(), claimed(), contacted()]) {
      for (const button of buttonsOf(card)) expect(button.value).toBe('al_01TEST');
    }
  });
});

describe('renderAlert: header, why now and fallback text', () => {
  it('shows tier, account, score and its change', () => {
    expect(block(alertCard(), 'alert_header')!.text).toEqual({
      type: 'plain_text',
      text: '🔥 HOT · Acme · score 56 (up from 26)',
      emoji: true,
    });
    expect(block(alertCard({ tier: 'warm', score: 55.4, baseScore: 60.2 }), 'alert_header')!.text.text).toBe(
      '🌤 WARM · Acme · score 55 (down from 60)',
    );
    // Shown truncated: a score just under a threshold never reads as the threshold.
    expect(block(alertCard({ score: 79.6, baseScore: 80.4 }), 'alert_header')!.text.text).toBe(
      '🔥 HOT · Acme · score 79 (down from 80)',
    );
    expect(block(alertCard({ baseScore: 56 }), 'alert_header')!.text.text).toBe('🔥 HOT · Acme · score 56');
  });

  it('names the play beside other plays, in the header and the fallback text', () => {
    const card = alertCard({ play: 'Churn risk' });
    expect(block(card, 'alert_header')!.text.text).toBe('🔥 HOT · Churn risk · Acme · score 56 (up from 26)');
    expect(renderAlert(card).text).toMatch(/^HOT - Churn risk - Acme - score 56/);
    expect(renderAlert({ ...card, state: 'closed', outcome: 'won' }).text).toMatch(
      /^HOT - Churn risk - Acme: closed/,
    );
  });

  it('says when the layers add up to more than the capped 100', () => {
    const card = alertCard({ score: 100, uncapped: 135, baseScore: 60 });
    expect(block(card, 'alert_header')!.text.text).toBe('🔥 HOT · Acme · score 100 (capped; up from 60)');
  });

  it('puts a missed SLA in the header', () => {
    expect(block(alertCard({ now: RAISED + 20 * MINUTE }), 'alert_header')!.text.text).toBe(
      '🔥 HOT · Acme · score 56 (up from 26) · ⚠️ claim SLA breached',
    );
    expect(block(claimed({ now: RAISED + 3 * 60 * MINUTE }), 'alert_header')!.text.text).toMatch(
      / · ⚠️ first-touch SLA breached$/,
    );
  });

  it('names the account by name, else domain, else id', () => {
    const header = (account: Partial<AlertCard['account']>) =>
      block(alertCard({ account: { ...alertCard().account, ...account } }), 'alert_header')!.text.text;
    expect(header({ name: null })).toBe('🔥 HOT · acme.com · score 56 (up from 26)');
    expect(header({ name: null, domain: null })).toBe('🔥 HOT · acct_42 · score 56 (up from 26)');
  });

  it('says how a closed alert ended', () => {
    expect(block(closed(), 'alert_header')!.text.text).toBe('HOT · Acme · closed: won 🎉');
    expect(block(closed({ outcome: 'no_response' }), 'alert_header')!.text.text).toBe(
      'HOT · Acme · closed: no response: back to self-serve',
    );
    expect(block(closed({ outcome: 'self_served' }), 'alert_header')!.text.text).toBe(
      'HOT · Acme · closed: self-served: bought on their own',
    );
  });

  it('says why now with the trigger’s age', () => {
    expect(block(alertCard(), 'alert_why')!.text.text).toBe(
      '*Why now:* hit the API calls limit (10,000/10,000) · 3 min ago',
    );
    expect(block(alertCard({ now: RAISED + 2 * DAY }), 'alert_why')!.text.text).toMatch(/ 2 days ago$/);
  });

  it('carries a plain-text fallback for notifications', () => {
    expect(renderAlert(alertCard()).text).toBe(
      'HOT - Acme - score 56 (up from 26): hit the API calls limit (10,000/10,000) · 3 min ago',
    );
    expect(renderAlert(closed()).text).toBe('HOT - Acme: closed, won 🎉');
  });

  it('never prints "null" or "undefined" for a closed alert without an outcome', () => {
    const message = renderAlert(closed({ outcome: null }));
    expect(message.text).not.toMatch(/null|undefined/);
    expect(JSON.stringify(message.blocks)).not.toMatch(/null|undefined/);
  });

  it('keeps the parent short — state, why now, top signals, whom to talk to, clock, buttons — and a closed alert shorter', () => {
    expect(renderAlert(closed()).blocks.map((b) => b.block_id)).toEqual([
      'alert_header',
      'alert_why',
      'alert_status',
      'alert_actions',
    ]);
    expect(renderAlert(alertCard()).blocks.map((b) => b.block_id)).toEqual([
      'alert_header',
      'alert_why',
      'alert_signals',
      'alert_contacts',
      'alert_status',
      'alert_actions',
    ]);
  });

  it('fits a hot alert in 15 lines and 700 characters of text, however rich the account', () => {
    const rich = alertCard({
      contributions: Array.from({ length: 14 }, (_, i) =>
        contribution({ id: `s${i}`, points: 14 - i, text: `a signal with a long description number ${i}` }),
      ),
      contacts: Array.from({ length: 4 }, (_, i) => ({
        name: `Person Number ${i}`,
        title: 'Vice President of Engineering',
        email: `person${i}@acme-corporation.com`,
        trigger: i === 0,
      })),
    });
    const { blocks } = renderAlert(rich);
    const texts = blocks.flatMap((b: Block) =>
      b.type === 'actions' ? [] : b.type === 'context' ? b.elements.map((e: Block) => e.text) : [b.text.text],
    );
    const lines = texts.flatMap((t: string) => t.split('\n'));
    expect(lines.length).toBeLessThanOrEqual(15);
    // Slack's date tokens show as a short date and time: count them as such.
    const shown = texts.join('\n').replace(/<!date\^[^>]+>/g, 'Mon 10:12');
    expect(shown.length).toBeLessThanOrEqual(700);
  });
});

describe('renderAlert: escaping user-supplied text', () => {
  const HOSTILE = '<!channel> Smith & Sons <https://evil.example|click> >';
  const hostile = (overrides: Partial<AlertCard> = {}) =>
    alertCard({
      account: {
        ...alertCard().account,
        name: HOSTILE,
        industry: 'R&D <lab>',
        plan: '<free>',
        domain: 'a&b.com',
      },
      trigger: trigger({ text: `hit the ${HOSTILE} limit` }),
      contributions: [contribution({ text: `used ${HOSTILE}` })],
      contacts: [{ name: `Kim <@U0ADMIN> & Lee`, title: '<VP>', email: 'kim@a&b.com', trigger: true }],
      dossier: { ...alertCard().dossier, gatedFeatures: ['<sso> & scim'], bestTime: 'Mon <9>' },
      ...overrides,
    });

  it('escapes <, > and & in every mrkdwn text, leaving only our own mentions as markup', () => {
    for (const card of [
      hostile(),
      hostile({ state: 'claimed', claimedBy: 'U0BEN', claimedAt: NOW }),
      hostile({ state: 'closed', outcome: 'won' }),
    ]) {
      const { blocks } = renderAlert(card);
      const texts = mrkdwnTexts(blocks);
      expect(texts.length).toBeGreaterThan(1);
      for (const text of texts) {
        // Our own markup: mentions of the manifest's reps and the opener's block quote.
        const withoutOurMentions = text
          .replace(/<@U0(ANA|BEN)>/g, '')
          .replace(/<!date\^[^>]+>/g, '')
          .replace(/\n>/g, '\n');
        expect(withoutOurMentions, text).not.toMatch(/[<>]/);
        expect(withoutOurMentions, text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
    }
  });

  it('escapes every mrkdwn text of the Details modal too', () => {
    for (const text of mrkdwnTexts(renderAlertDetails(hostile()).blocks)) {
      const withoutOurMentions = text
        .replace(/<@U0(ANA|BEN)>/g, '')
        .replace(/<!date\^[^>]+>/g, '')
        .replace(/\n>/g, '\n');
      expect(withoutOurMentions, text).not.toMatch(/[<>]/);
    }
  });

  it('shows the escaped text where the name appears', () => {
    const { blocks } = renderAlert(hostile());
    const opener = detail(hostile(), 'details_opener')!.text.text as string;
    expect(opener).toContain('&lt;!channel&gt; Smith &amp; Sons &lt;https://evil.example|click&gt; &gt;');
    const contacts = blocks.find((b) => b.block_id === 'alert_contacts')!.text.text as string;
    expect(contacts).toContain('Kim &lt;@U0ADMIN&gt; &amp; Lee, &lt;VP&gt; · kim@a&amp;b.com');
  });

  it('keeps the header as plain text (Slack does not parse it), so it is not escaped', () => {
    expect(block(hostile(), 'alert_header')!.text).toMatchObject({
      type: 'plain_text',
      text: `🔥 HOT · ${HOSTILE} · score 30 (up from 26)`,
    });
  });

  it('escapes the fallback text too: Slack parses it as mrkdwn for notifications', () => {
    for (const card of [hostile(), hostile({ state: 'closed', outcome: 'won' })]) {
      const { text } = renderAlert(card);
      expect(text).not.toMatch(/[<>]/);
      expect(text).toContain('&lt;!channel&gt; Smith &amp; Sons');
    }
  });
});

describe('renderAlert: the status line', () => {
  it('shows the suggested rep and the SLA clocks on an open alert, in the team’s zone', () => {
    expect(statusOf(alertCard())).toBe(
      `Suggested rep: <@U0ANA> · claim by ${at('2026-11-23T15:12:00')} · first touch by ${at('2026-11-23T16:57:00')}`,
    );
  });

  it('says when the claim SLA is breached', () => {
    expect(statusOf(alertCard({ now: RAISED + 20 * MINUTE }))).toBe(
      `Suggested rep: <@U0ANA> · claim by ${at('2026-11-23T15:12:00')} · first touch by ${at('2026-11-23T16:57:00')} · claim SLA breached`,
    );
  });

  it('says nobody is available when no rep could be routed', () => {
    expect(statusOf(alertCard({ suggestedRep: null }))).toMatch(/^Suggested rep: nobody available · /);
  });

  it('shows deadlines with Slack’s date formatting, so each reader sees their own zone and day', () => {
    // Raised Friday 17:50 New York, claim due Monday 09:05.
    const friday = Date.parse('2026-11-27T22:50:00Z');
    const card = alertCard({
      tierSetAt: friday,
      claimDueAt: Date.parse('2026-11-30T14:05:00Z'),
      firstTouchDueAt: Date.parse('2026-11-30T15:50:00Z'),
      trigger: trigger({ at: friday }),
      now: friday,
    });
    expect(statusOf(card)).toBe(
      `Suggested rep: <@U0ANA> · claim by ${at('2026-11-30T14:05:00')} · first touch by ${at('2026-11-30T15:50:00')}`,
    );
  });

  it('shows who claimed, in how many minutes, and whether the claim SLA was met', () => {
    expect(statusOf(claimed())).toMatch(
      /^Claimed by <@U0BEN> in 7 min · claim SLA met · first touch by <!date\^\d+\^/,
    );
    expect(statusOf(claimed({ claimedAt: RAISED + 95 * MINUTE, now: RAISED + 96 * MINUTE }))).toMatch(
      /^Claimed by <@U0BEN> in 1 h 35 min · claim SLA breached/,
    );
  });

  it('never shows a negative time to claim (a claimed alert upgraded later re-sets its tier clock)', () => {
    const upgraded = claimed({ tierSetAt: RAISED + 30 * MINUTE, now: RAISED + 31 * MINUTE });
    expect(statusOf(upgraded)).not.toMatch(/-\d/);
    expect(statusOf(upgraded)).toMatch(/^Claimed by <@U0BEN>/);
  });

  it('shows when the account was contacted', () => {
    expect(statusOf(contacted())).toBe(
      `Claimed by <@U0BEN> in 7 min · claim SLA met · contacted ${at('2026-11-23T15:27:00')} · first-touch SLA met`,
    );
  });

  it('shows when a closed alert closed and who held it', () => {
    expect(statusOf(closed())).toBe(`Closed ${at('2026-11-23T15:40:00')} · held by <@U0BEN>`);
    expect(statusOf(alertCard({ state: 'closed', outcome: 'self_served', closedAt: NOW }))).toBe(
      `Closed ${at('2026-11-23T15:00:00')}`,
    );
  });
});

describe('renderAlert: the signals that matter most, and whom to talk to', () => {
  it('names the top three other signals across layers, and how many more Details has', () => {
    expect(block(alertCard(), 'alert_signals')!.text.text).toBe(
      '*Also:* 4 active users in 14 days *+10* · 250 employees *+8* · active 5 of the last 14 days *+8*',
    );
    const more = alertCard({
      contributions: [
        ...alertCard().contributions,
        contribution({ id: 'x', layer: 'behavioral', points: 2, text: 'used reports' }),
      ],
    });
    expect(block(more, 'alert_signals')!.text.text).toMatch(/ · _\+1 more in Details_$/);
    // The why-now signal is not said twice.
    expect(block(alertCard(), 'alert_signals')!.text.text).not.toContain('API calls');
  });

  it('names at most two people: the one behind the signal, then whom the first message is for', () => {
    const four = alertCard({
      contacts: [
        { name: 'Kim Lee', title: 'VP Engineering', email: 'kim@acme.com', trigger: true },
        { name: 'Sam Roe', title: null, email: 'sam@acme.com', trigger: false },
        { name: 'Ada Poe', title: 'CTO', email: 'ada@acme.com', trigger: false },
      ],
    });
    expect(block(four, 'alert_contacts')!.text.text).toBe(
      '*Whom to talk to*\n• Kim Lee, VP Engineering · kim@acme.com _(behind the why now)_\n• Ada Poe, CTO · ada@acme.com',
    );
    expect(detail(four, 'details_contacts')!.text.text).toContain('Sam Roe');
  });
});

describe('renderAlertDetails: the breakdown, contacts and dossier', () => {
  it('is a modal titled with the account, closing without a submit', () => {
    const view = renderAlertDetails(alertCard());
    expect(view).toMatchObject({ type: 'modal', callback_id: 'alert_details', title: { text: 'Acme' } });
    expect(view.submit).toBeUndefined();
  });

  it('adds the layers up to the score, and says when the cap took the rest', () => {
    expect(detail(alertCard(), 'details_sum')!.text.text).toBe(
      '*Score 56*: Intent 30 + Behavioral 8 + Organizational 18 = 56 points.',
    );
    const capped = alertCard({
      score: 100,
      uncapped: 135,
      layers: { intent: 50, behavioral: 45, organizational: 40 },
    });
    expect(detail(capped, 'details_sum')!.text.text).toBe(
      '*Score 100*: Intent 50 + Behavioral 45 + Organizational 40 = 135 points, capped at 100.',
    );
  });

  it('rounds so that the parts a rep adds up add up to the figure beside them', () => {
    const card = alertCard({
      score: 42.5,
      uncapped: 42.5,
      layers: { intent: 17.6, behavioral: 14.6, organizational: 10.3 },
      contributions: [
        contribution({ id: 'a', layer: 'intent', points: 8.8, text: 'a' }),
        contribution({ id: 'b', layer: 'intent', points: 8.8, text: 'b' }),
        contribution({ id: 'c', layer: 'behavioral', points: 14.6, text: 'c' }),
        contribution({ id: 'd', layer: 'organizational', points: 5.15, text: 'd' }),
        contribution({ id: 'e', layer: 'organizational', points: 5.15, text: 'e' }),
      ],
    });
    // Rounded one by one these read 18 + 15 + 10 = 43 beside a score of 42.
    expect(detail(card, 'details_sum')!.text.text).toBe(
      '*Score 42*: Intent 18 + Behavioral 14 + Organizational 10 = 42 points.',
    );
    const fields: string[] = detail(card, 'details_layers')!.fields.map((f: Block) => f.text as string);
    for (const field of fields) {
      const [head, ...lines] = field.split('\n');
      const total = Number(/· (\d+) pts/.exec(head!)![1]);
      const sum = lines.reduce((n, line) => n + Number(/\*\+(\d+)\*/.exec(line)![1]), 0);
      expect(sum, field).toBe(total);
    }
  });

  it('lists the signals per layer with their points, strongest layer first', () => {
    const fields = detail(alertCard(), 'details_layers')!.fields.map((f: Block) => f.text);
    expect(fields).toEqual([
      '*Intent* · 30 pts\n• hit the API calls limit (10,000/10,000) *+30*',
      '*Organizational* · 18 pts\n• 4 active users in 14 days *+10*\n• 250 employees *+8*',
      '*Behavioral* · 8 pts\n• active 5 of the last 14 days *+8*',
    ]);
  });

  it('shows at most eight signals per layer and says what the rest add', () => {
    const many = Array.from({ length: 10 }, (_, i) =>
      contribution({ id: `s${i}`, layer: 'behavioral', points: 10 - i, text: `signal ${i}` }),
    );
    const field = detail(alertCard({ contributions: many }), 'details_layers')!.fields[0].text as string;
    expect(field.startsWith('*Behavioral* · 55 pts\n')).toBe(true);
    expect(field.split('\n')).toHaveLength(10);
    expect(field.split('\n').at(-1)).toBe('• _+2 more, 3 pts_');
  });

  it('leaves the signals out when nothing contributes', () => {
    expect(block(alertCard({ contributions: [] }), 'alert_signals')).toBeUndefined();
    expect(detail(alertCard({ contributions: [] }), 'details_layers')).toBeUndefined();
  });

  it('says whom to talk to, marking the person behind the signal', () => {
    expect(detail(alertCard(), 'details_contacts')!.text.text).toBe(
      '*Whom to talk to*\n• Kim Lee, VP Engineering · kim@acme.com _(behind the why now)_\n• Sam Roe · sam@acme.com',
    );
    const sparse = alertCard({
      contacts: [
        { name: null, title: null, email: 'ops@acme.com', trigger: false },
        { name: null, title: null, email: null, trigger: false },
      ],
    });
    expect(detail(sparse, 'details_contacts')!.text.text).toBe(
      '*Whom to talk to*\n• ops@acme.com\n• unknown user',
    );
    expect(block(alertCard({ contacts: [] }), 'alert_contacts')).toBeUndefined();
    expect(detail(alertCard({ contacts: [] }), 'details_contacts')).toBeUndefined();
  });

  it('shows the dossier, with dates in the team’s zone and dashes for what is unknown', () => {
    const fields = detail(alertCard(), 'details_dossier')!.fields.map((f: Block) => f.text);
    expect(fields).toEqual([
      '*Plan*\nfree',
      '*Active users (14d)*\n4',
      '*Employees*\n250',
      '*Industry*\nsoftware',
      '*Domain*\nacme.com',
      '*Signed up · activated*\nOct 1, 2026 · Oct 3, 2026',
      '*Usage trend*\ngrowing',
      '*Tried, not on plan*\nsso (business)',
      '*Best time to reach*\nTue–Thu, 14:00–16:00 America/Chicago',
    ]);
    const unknown = alertCard({
      account: { id: 'acct_1', name: null, domain: null, plan: null, employees: null, industry: null },
      dossier: {
        activeUsers: 0,
        signedUpAt: null,
        activatedAt: null,
        trend: 'stable',
        gatedFeatures: [],
        bestTime: null,
      },
    });
    expect(detail(unknown, 'details_dossier')!.fields.map((f: Block) => f.text)).toEqual([
      '*Plan*\n—',
      '*Active users (14d)*\n0',
      '*Employees*\n—',
      '*Industry*\n—',
      '*Domain*\n—',
      '*Signed up · activated*\n— · —',
      '*Usage trend*\nstable',
      '*Tried, not on plan*\n—',
      '*Best time to reach*\nnot enough sessions yet',
    ]);
  });
});

describe('renderAlertDetails: the suggested first message', () => {
  it('names whom it is for and who is behind the signal, and escapes it', () => {
    const card = alertCard({
      contacts: [
        { name: 'Kim Lee', title: 'Engineer', email: 'kim@acme.com', trigger: true },
        { name: 'Dana Ray', title: 'CTO', email: 'dana@acme.com', trigger: false },
      ],
      account: { ...alertCard().account, name: 'Acme <!here>' },
    });
    expect(detail(card, 'details_opener')!.text.text).toBe(
      '*Suggested first message* · to Dana Ray, CTO\n_Behind the signal: Kim Lee, Engineer_\n>Hi Dana, it looks like Acme &lt;!here&gt; has outgrown the free API calls allowance — happy to set up headroom that fits how your team works.',
    );
  });
});

describe('renderAlert: Block Kit limits', () => {
  const long = (unit: string, n: number) => unit.repeat(n);
  const states: AlertCard['state'][] = ['open', 'claimed', 'contacted', 'closed'];
  const inState = (state: AlertCard['state'], card: AlertCard): AlertCard => ({
    ...card,
    state,
    claimedBy: state === 'open' ? null : 'U0BEN',
    claimedAt: state === 'open' ? null : RAISED + 5 * MINUTE,
    contactedAt: state === 'contacted' || state === 'closed' ? RAISED + 9 * MINUTE : null,
    closedAt: state === 'closed' ? NOW : null,
    outcome: state === 'closed' ? 'lost' : null,
  });

  const extremes: Record<string, AlertCard> = {
    'the ordinary card': alertCard(),
    'an absurdly long account name': alertCard({
      account: { ...alertCard().account, name: long('Acme Global Holdings ', 1000), domain: long('a', 300) },
    }),
    'a name that triples when escaped': alertCard({
      account: { ...alertCard().account, name: long('<&>', 3000) },
    }),
    '100 contributions with long texts': alertCard({
      contributions: Array.from({ length: 100 }, (_, i) =>
        contribution({
          id: `c${i}`,
          layer: (['intent', 'behavioral', 'organizational'] as const)[i % 3],
          points: 100 - i,
          text: long(`signal ${i} & <more> `, 100),
        }),
      ),
    }),
    'a very long trigger text': alertCard({ trigger: trigger({ text: long('hit the limit ', 5000) }) }),
    'many contacts with long names': alertCard({
      contacts: Array.from({ length: 50 }, (_, i) => ({
        name: long(`Person ${i} `, 300),
        title: long('Chief ', 400),
        email: `${long('x', 200)}@acme.com`,
        trigger: i === 0,
      })),
    }),
    'long dossier values': alertCard({
      account: { ...alertCard().account, industry: long('industry ', 500), plan: long('plan', 1000) },
      dossier: {
        ...alertCard().dossier,
        gatedFeatures: Array.from({ length: 100 }, (_, i) => long(`feature${i}`, 60)),
        bestTime: long('Mon ', 1000),
        trend: long('growing ', 500),
      },
    }),
    'everything at once': alertCard({
      account: {
        id: long('id', 500),
        name: long('N&', 5000),
        domain: long('d', 500),
        plan: long('p', 5000),
        employees: 1e12,
        industry: long('i', 5000),
      },
      trigger: trigger({ text: long('<t>', 10_000) }),
      contributions: Array.from({ length: 100 }, (_, i) =>
        contribution({ id: `c${i}`, text: long('&', 5000) }),
      ),
      contacts: Array.from({ length: 20 }, () => ({
        name: long('<n>', 2000),
        title: long('t', 5000),
        email: long('e', 5000),
        trigger: true,
      })),
      suggestedRep: 'U0ANA',
    }),
  };

  for (const [what, card] of Object.entries(extremes)) {
    it(`stays within Slack’s limits with ${what}, in every state`, () => {
      for (const state of states) {
        const message = renderAlert(inState(state, card));
        expect(validateBlocks(message.blocks, 'message'), `${what}, ${state}`).toEqual([]);
        expect(validateView(renderAlertDetails(inState(state, card))), `${what}, ${state}: Details`).toEqual(
          [],
        );
        expect(message.text.length).toBeGreaterThan(0);
        expect(message.text.length).toBeLessThanOrEqual(3000);
      }
    });
  }

  it('would be refused without the truncation (the validator sees these sizes)', () => {
    const { blocks } = renderAlert(extremes['everything at once']!);
    const tooLong = JSON.parse(JSON.stringify(blocks)) as Block[];
    tooLong[0]!.text.text = long('x', 151);
    expect(validateBlocks(tooLong, 'message')).not.toEqual([]);
  });

  it('marks a cut with an ellipsis', () => {
    const header = block(extremes['an absurdly long account name']!, 'alert_header')!.text.text as string;
    expect(header).toHaveLength(150);
    expect(header.endsWith('…')).toBe(true);
  });
});
