import type { EmulatedMessage, SlackEmulator } from '../emulator/emulator-types.js';
import { type PressContainer, renderBlocks, renderModal } from './block-kit-html.js';
import { html, type SafeHtml } from './html.js';
import { type Names, renderMrkdwn } from './mrkdwn-html.js';
import type { Ephemeral, SandboxSlack } from './slack-client.js';
import { SLACK_IDS } from './slack-requests.js';
import type { TrafficStatus } from './traffic-player.js';
import type { Workspace } from './workspace.js';

/**
 * The page's live parts, rendered on the server from what the emulator holds: the channel list,
 * the open pane (a channel, the person's DM with pls, or their App Home), the modal in front
 * and the demo traffic panel. The page script swaps them in when the version changes.
 */
export interface PageState {
  version: string;
  /** The pane shown: the one asked for, or the person's own channel when that is unknown. */
  pane_id: string;
  channels: string;
  /** The command chips: only the `/pls` commands this person may run. */
  chips: string;
  pane: string;
  demo: string;
  modal: { key: string; html: string } | null;
}

export const HOME_PANE = 'home';
export const DM_PANE = 'dm';

export function createPageViews(deps: {
  emulator: SlackEmulator;
  workspace: Workspace;
  slack: SandboxSlack;
  traffic: () => TrafficStatus;
  /** Simulated reps are working alerts (tools/sandbox/colleagues.ts). */
  colleagues: boolean;
  /** The `/pls` subcommands a person may run: pls's own list (`commandsFor`). */
  commands: (userId: string) => { name: string; usage: string; summary: string }[];
}) {
  const { emulator, workspace, slack } = deps;
  const names: Names = {
    user: (id) => workspace.person(id)?.name ?? (id === SLACK_IDS.botUserId ? 'pls' : undefined),
    channel: (id) => workspace.channel(id)?.name,
  };

  function clock(ts: string, tz: string): string {
    const at = Number(ts) * 1000;
    return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit' }).format(at);
  }

  function author(message: { user: string; botId?: string }) {
    const bot = message.botId !== undefined;
    const name = bot ? 'pls' : (names.user(message.user) ?? message.user);
    return html`<div class="avatar${bot ? ' bot' : ''}" aria-hidden="true">${bot ? 'pls' : name.slice(0, 2)}</div>`;
  }

  /** Names and times as the reader sees them: Slack draws `<!date^…>` in the reader's own zone. */
  const namesIn = (zone: string): Names => ({ ...names, zone });

  function body(text: string, blocks: unknown[], container: PressContainer, zone: string): SafeHtml {
    return blocks.length > 0
      ? renderBlocks(blocks, { names: namesIn(zone), container })
      : html`<div class="bk-text">${renderMrkdwn(text, namesIn(zone))}</div>`;
  }

  function renderMessage(message: EmulatedMessage, tz: string, nested: boolean): SafeHtml {
    const key = `${message.channel}/${message.ts}`;
    const container: PressContainer = { type: 'message', channel: message.channel, ts: message.ts };
    const bot = message.botId !== undefined;
    const replies = nested ? [] : message.replies;
    const last = replies.at(-1);
    return html`<article class="msg${nested ? ' reply' : ''}" data-key="${key}" data-edits="${message.edits}">
      ${author(message)}
      <div class="msg-main">
        <div class="msg-meta"><b>${bot ? 'pls' : (names.user(message.user) ?? message.user)}</b>${bot ? html` <span class="app-badge">APP</span>` : ''}
          <time>${clock(message.ts, tz)}</time>${message.edits > 0 ? html` <span class="edited" title="updated ${message.edits}× with chat.update">(edited)</span>` : ''}</div>
        <div class="msg-body">${body(message.text, message.blocks, container, tz)}</div>
        ${
          replies.length > 0
            ? html`<details class="thread" data-thread="${key}">
                <summary>${replies.length} ${replies.length === 1 ? 'reply' : 'replies'} · last at ${clock(last!.ts, tz)}</summary>
                ${replies.map((reply) => renderMessage(reply, tz, true))}
              </details>`
            : ''
        }
      </div>
    </article>`;
  }

  function renderEphemeral(ephemeral: Ephemeral, tz: string): SafeHtml {
    return html`<article class="msg ephemeral" data-key="${ephemeral.id}">
      <div class="avatar bot" aria-hidden="true">pls</div>
      <div class="msg-main">
        <div class="msg-meta"><b>pls</b> <span class="app-badge">APP</span> <time>${clock(ephemeral.ts, tz)}</time>
          <span class="only-you">Only visible to you${ephemeral.command ? html` · ${ephemeral.command}` : ''}</span></div>
        <div class="msg-body">${body(ephemeral.text, ephemeral.blocks, { type: 'ephemeral', id: ephemeral.id }, tz)}</div>
      </div>
    </article>`;
  }

  function channelPane(as: string, channelId: string, title: SafeHtml, about: string): SafeHtml {
    const tz = workspace.person(as)?.tz ?? 'UTC';
    const items: { ts: string; view: SafeHtml }[] = [
      ...emulator.messages(channelId).map((m) => ({ ts: m.ts, view: renderMessage(m, tz, false) })),
      ...slack.ephemerals(as, channelId).map((e) => ({ ts: e.ts, view: renderEphemeral(e, tz) })),
    ].sort((a, b) => Number(a.ts) - Number(b.ts));
    return html`<header class="pane-header"><h2>${title}</h2><p>${about}</p></header>
      <div class="messages" data-pane-channel="${channelId}">
        ${items.length > 0 ? items.map((i) => i.view) : html`<p class="empty">Nothing here yet.</p>`}
      </div>`;
  }

  function homePane(as: string): SafeHtml {
    const home = emulator.views.home(as);
    const title = html`<header class="pane-header"><h2>pls · Home</h2><p>What ${workspace.person(as)?.name ?? as} sees in the app's Home tab (views.publish)</p></header>`;
    if (!home) return html`${title}<div class="home"><p class="empty">Opening the Home tab…</p></div>`;
    const blocks = Array.isArray(home.view.blocks) ? home.view.blocks : [];
    return html`${title}<div class="home" data-view="${home.id}">${renderBlocks(blocks, {
      names: namesIn(workspace.person(as)?.tz ?? 'UTC'),
      container: { type: 'view', viewId: home.id },
    })}</div>`;
  }

  function activity(channel: string): number {
    return emulator.messages(channel).reduce((n, m) => n + 1 + m.replies.length, 0);
  }

  function channelList(as: string, pane: string): SafeHtml {
    const dm = workspace.dmOf(as);
    const item = (id: string, label: SafeHtml, count: number | null) =>
      html`<li><a href="#${id}" data-pane="${id}" class="${pane === id ? 'active' : ''}"${
        count === null ? '' : html` data-count="${count}"`
      }>${label}<span class="badge" hidden></span></a></li>`;
    return html`<h3>Channels</h3><ul>${workspace.channels.map((c) =>
      item(c.id, html`<span class="hash">#</span>${c.name}`, activity(c.id)),
    )}</ul>
    <h3>Apps</h3><ul>
      ${item(HOME_PANE, html`<span class="hash">⌂</span>pls · Home`, null)}
      ${item(DM_PANE, html`<span class="hash">✉</span>pls · Messages`, activity(dm))}
    </ul>`;
  }

  /**
   * A chip per command the person may run; one that needs an argument fills in a trailing space.
   * Someone pls gives no command to gets none, and a word on why.
   */
  function chips(as: string): SafeHtml {
    const commands = deps.commands(as);
    if (commands.length === 0)
      return html`<p class="chips-none">pls gives commands to the reps and managers in the manifest only; type one to see its answer.</p>`;
    return html`${commands.map(({ name, usage, summary }) => {
      const rest = usage.replace(/^\/pls \S+\s*/, '');
      const fill = `/pls ${name}${rest !== '' && !rest.startsWith('[') ? ' ' : ''}`;
      return html`<button type="button" class="chip" data-fill="${fill}" title="${usage} — ${summary}">/pls ${name}</button>`;
    })}`;
  }

  function demoPanel(): SafeHtml {
    const t = deps.traffic();
    const state = !t.enabled ? 'off' : t.finished ? 'finished' : t.paused ? 'paused' : 'playing';
    return html`<h3>Demo traffic</h3>
      <p class="demo-line"><span class="demo-state ${state}">${state}</span> ${t.sent.toLocaleString('en-US')} events · ${t.accounts} accounts · ×${t.speed}</p>
      ${deps.colleagues ? html`<p class="demo-note">Simulated reps work some alerts, never the one you are.</p>` : ''}
      ${t.lastError ? html`<p class="demo-error">${t.lastError}</p>` : ''}
      <div class="demo-buttons">
        ${t.enabled && !t.finished ? html`<button type="button" class="side-button" data-demo="${t.paused ? 'resume' : 'pause'}">${t.paused ? 'Resume' : 'Pause'}</button>` : ''}
        <button type="button" class="side-button" data-demo="hot" title="Sends a realistic account turning hot through the signed webhook">Make an account hot</button>
      </div>`;
  }

  return {
    names,

    /** The whole live state for one person looking at one pane. */
    state(as: string, pane: string): PageState {
      const dm = workspace.dmOf(as);
      let paneHtml: SafeHtml;
      let paneId = pane;
      if (pane === HOME_PANE) paneHtml = homePane(as);
      else if (pane === DM_PANE)
        paneHtml = channelPane(
          as,
          dm,
          html`pls`,
          'Your direct messages with pls: reminders, reassignments, notices',
        );
      else {
        const channel = workspace.channel(pane) ?? workspace.channel(workspace.homeChannelOf(as))!;
        paneId = channel.id;
        paneHtml = channelPane(as, channel.id, html`#${channel.name}`, channel.purpose);
      }
      const modal = slack.modalOf(as);
      return {
        version: `${slack.version()}.${deps.traffic().version}`,
        pane_id: paneId,
        channels: channelList(as, paneId).value,
        chips: chips(as).value,
        pane: paneHtml.value,
        demo: demoPanel().value,
        modal: modal
          ? {
              key: `${modal.id}:${String(modal.view.hash)}`,
              html: renderModal(modal.view, modal.id, {
                names: namesIn(workspace.person(as)?.tz ?? 'UTC'),
                container: null,
              }).value,
            }
          : null,
      };
    },
  };
}
