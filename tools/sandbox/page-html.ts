import { readFileSync } from 'node:fs';
import { dataJson, html, type SafeHtml } from './html.js';
import type { Workspace } from './workspace.js';

/**
 * The page's shell: the sidebar with the person picker, the pane, the command box and the modal
 * layer. Its live parts are filled in by the page script (`public/app.js`) from
 * `GET /sandbox/api/state`. Script and styles are files of their own so the page can run under a
 * Content-Security-Policy without inline code.
 */
export function renderPage(workspace: Workspace): SafeHtml {
  const people = workspace.people.map(({ id, name, role, about }) => ({ id, name, role, about }));
  const group = (label: string, role: string) =>
    html`<optgroup label="${label}">${workspace.people
      .filter((p) => p.role === role)
      .map((p) => html`<option value="${p.id}">${p.name} — ${p.about}</option>`)}</optgroup>`;
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>pls sandbox</title>
  <link rel="icon" href="/sandbox/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/sandbox/app.css">
  <script src="/sandbox/app.js" defer></script>
</head>
<body data-people="${dataJson(people)}">
  <div class="app">
    <aside class="sidebar">
      <div class="workspace">
        <b>${workspace.teamName}</b>
        <span>the real pls against a Slack emulator</span>
      </div>
      <label class="who">You are
        <select id="as">${group('Managers', 'manager')}${group('Reps', 'rep')}${group('Not in the manifest', 'guest')}</select>
      </label>
      <nav id="channels" aria-label="Channels"></nav>
      <section id="demo" class="demo" aria-live="polite"></section>
      <a class="crm-link" href="/sandbox/hubspot" target="_blank" rel="noopener">HubSpot records pls wrote ↗</a>
    </aside>
    <main class="main">
      <div id="pane" class="pane" aria-live="polite"></div>
      <form id="composer" class="composer" autocomplete="off">
        <div id="chips" class="chips" aria-label="Commands you may run"></div>
        <div class="composer-row">
          <input id="command" name="command" maxlength="4000" placeholder="A /pls command, or a message (posted as you)">
          <button type="submit" class="bk-button primary">Send</button>
        </div>
      </form>
    </main>
  </div>
  <div id="modal-layer" class="modal-layer" hidden></div>
  <div id="toast" class="toast" role="status" hidden></div>
</body>
</html>`;
}

/** The page's script and styles, read once: they ship next to this file. */
export const PAGE_SCRIPT = readFileSync(new URL('./public/app.js', import.meta.url), 'utf8');
export const PAGE_STYLES = readFileSync(new URL('./public/app.css', import.meta.url), 'utf8');
