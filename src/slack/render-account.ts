import { formatDuration } from '../config/duration.js';
import type { Layer } from '../domain/definition.js';
import { LAYERS } from '../domain/definition.js';
import { shownScore } from '../domain/scoring.js';
import { formatAge } from '../domain/signal-text.js';
import { escapeMrkdwn, formatDate, outside, truncate } from '../domain/slack-text.js';
import { accountLabel } from '../domain/usage-event.js';
import type { AccountView } from '../services/account-view.js';

const LABEL: Record<Layer, string> = {
  behavioral: 'Behavioral',
  organizational: 'Organizational',
  intent: 'Intent',
};

/** The dossier and every point of the score, with gates and the rules that would block an alert. */
export function renderAccount(view: AccountView): { text: string; blocks: Record<string, unknown>[] } {
  const { account: a, score } = view;
  const name = accountLabel(a, a.id);
  const tier = score.tier.toUpperCase();
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(
          `${name}${view.play ? ` · ${view.play.label}` : ''} · score ${shownScore(score.total)} · ${tier}`,
          150,
        ),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        ['Account', `${a.id}${a.domain ? ` · ${a.domain}` : ''}`],
        ['Plan', a.plan ?? '—'],
        ['Employees · industry', `${a.employees?.toLocaleString('en-US') ?? '—'} · ${a.industry ?? '—'}`],
        ['Country · owner', `${a.country ?? '—'} · ${a.owner ?? '—'}`],
        ['Active users (14d) · trend', `${view.dossier.activeUsers} · ${view.dossier.trend}`],
        [
          'Signed up · activated',
          `${formatDate(view.dossier.signedUpAt, a.timezone ?? 'UTC')} · ${formatDate(view.dossier.activatedAt, a.timezone ?? 'UTC')}`,
        ],
        ['Tried, not on plan', view.dossier.gatedFeatures.join(', ') || '—'],
        ['Best time to reach', view.dossier.bestTime ?? 'not enough sessions yet'],
      ].map(([label, value]) => ({
        type: 'mrkdwn',
        text: truncate(`*${label}*\n${escapeMrkdwn(value!)}`, 2000),
      })),
    },
  ];

  if (view.plays.length > 0) {
    const line = view.plays
      .map(
        (p) =>
          `${p.label}: ${p.judged ? `${shownScore(p.total)} ${p.tier}` : 'not judged'}${p.open ? ', alert open' : ''}`,
      )
      .join(' · ');
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(`*Plays* ${escapeMrkdwn(line)} (\`/pls account <id> <play>\` for another)`, 3000),
        },
      ],
    });
  }

  for (const layer of LAYERS) {
    const gate = score.gates[layer];
    const items = score.contributions.filter((c) => c.layer === layer);
    const lines = items.slice(0, 12).map((c) => {
      const when = c.lastAt !== null ? `, last ${formatAge(view.now - c.lastAt)}` : '';
      const kind = c.kind === 'signal' ? `signal \`${c.id}\`` : `metric \`${c.id}\``;
      return `• ${outside(c.text, 300)}: *${c.points.toFixed(1)}* pts (${kind}${when})`;
    });
    const head = `*${LABEL[layer]}* · ${gate.points.toFixed(1)} pts · gate ${gate.min}: ${gate.passed ? '✅ passed' : '❌ not passed'}`;
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate([head, ...(lines.length ? lines : ['• nothing yet'])].join('\n'), 3000),
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Signal points halve every ${formatDuration(view.halfLifeMs)}; metrics count their highest step reached (a falling metric, the lowest it has fallen to). Score capped at 100.`,
      },
    ],
  });

  const verdict =
    view.blockers.length > 0
      ? `🚫 An alert would be blocked: ${view.blockers.map(escapeMrkdwn).join('; ')}.`
      : view.armed
        ? '🎯 Ready — will alert on its next fresh activity: it turned hot on data that arrived late.'
        : '✅ Nothing blocks an alert: the next handoff moment raises one.';
  const alert = view.openAlert
    ? `Open alert: ${view.openAlert.tier} · ${view.openAlert.state}${view.openAlert.claimedBy ? ` by <@${view.openAlert.claimedBy}>` : ''} in <#${view.openAlert.channel}>`
    : 'No open alert.';
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`${verdict}\n${alert}`, 3000) } });

  if (view.contacts.length > 0) {
    const people = view.contacts.map(
      (c) =>
        `• ${outside([c.name, c.title, c.email].filter(Boolean).join(' · ') || 'unknown', 300)} (${c.events} events)`,
    );
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*Most active people*\n${people.join('\n')}`, 3000) },
    });
  }
  return {
    text: truncate(`${outside(name, 200)}: score ${shownScore(score.total)} (${tier})`, 3000),
    blocks,
  };
}
