import { DateTime } from 'luxon';
import type { HubSpotEmulator, HubSpotRecord } from '../emulator/hubspot-emulator.js';
import { html, type SafeHtml } from './html.js';

/**
 * What a rep would see in HubSpot (the emulated portal): each company pls has written to, with
 * its pls properties, the tasks pls made and the notes it left. Everything here came from events
 * and reps' words, so it is escaped like the rest of the sandbox; note bodies (HTML pls wrote)
 * are shown as their text.
 */
export function renderCrmPage(hub: HubSpotEmulator, zone: string): SafeHtml {
  const tasks = hub.tasks();
  const notes = hub.notes();
  const owner = (id: string | null | undefined) => (id ? (hub.owner(id)?.email ?? `owner ${id}`) : 'nobody');
  const touched = hub.companiesTouched();
  // Every company with an alert (what a rep comes to check), then the latest of the rest.
  const withAlert = touched.filter((c) => c.properties.pls_alert_state);
  const companies = [...withAlert, ...touched.filter((c) => !c.properties.pls_alert_state).slice(0, 10)];
  const when = (iso: string | null | undefined) => (iso ? localTime(iso, zone) : '—');
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>HubSpot (emulated) — pls sandbox</title>
  <link rel="stylesheet" href="/sandbox/app.css">
</head>
<body class="crm">
  <main class="crm-page">
    <h1>HubSpot (emulated)</h1>
    <p class="crm-about">The company records pls writes back to: its properties, the claimer's task, the outcome note. Reload to see the latest.</p>
    ${
      companies.length === 0
        ? html`<p>No company written yet: wait for an alert, then claim it.</p>`
        : html`<p class="crm-about">Showing ${companies.length} of ${touched.length} companies pls has written to: the ${withAlert.length} with an alert, then the latest scores. Times in ${zone}.</p>`
    }
    ${companies.map((company) => renderCompany(company, tasks, notes, owner, when))}
  </main>
</body>
</html>`;
}

function renderCompany(
  company: HubSpotRecord,
  tasks: HubSpotRecord[],
  notes: HubSpotRecord[],
  owner: (id: string | null | undefined) => string,
  when: (iso: string | null | undefined) => string,
): SafeHtml {
  const p = company.properties;
  const own = (r: HubSpotRecord) => r.companies.includes(company.id);
  const link = p.pls_alert_link && /^https?:\/\//.test(p.pls_alert_link) ? p.pls_alert_link : null;
  return html`<section class="crm-company">
    <h2>${p.name ?? company.id} ${p.domain && p.domain !== p.name ? html`<small>${p.domain}</small>` : ''}</h2>
    <dl>
      <dt>Company owner</dt><dd>${owner(p.hubspot_owner_id)}</dd>
      <dt>PQL score</dt><dd>${p.pls_score ?? '—'}</dd>
      <dt>PQL tier</dt><dd>${p.pls_tier ?? '—'}</dd>
      <dt>PQL alert state</dt><dd>${p.pls_alert_state || '—'}</dd>
      <dt>PQL last signal</dt><dd>${p.pls_last_signal || '—'}</dd>
      <dt>PQL alert in Slack</dt><dd>${link ? html`<a href="${link}">${link}</a>` : '—'}</dd>
      <dt>PQL updated</dt><dd>${when(p.pls_updated_at)}</dd>
    </dl>
    <h3>Tasks</h3>
    ${listOr(
      tasks
        .filter(own)
        .map(
          (t) =>
            html`<li><b>${t.properties.hs_task_subject ?? ''}</b> — ${owner(t.properties.hubspot_owner_id)}, due ${when(t.properties.hs_timestamp)}, ${t.properties.hs_task_priority ?? ''} · ${t.properties.hs_task_status ?? ''}</li>`,
        ),
      'none',
    )}
    <h3>Notes</h3>
    ${listOr(
      notes.filter(own).map((n) => html`<li>${textOf(n.properties.hs_note_body ?? '')}</li>`),
      'none',
    )}
  </section>`;
}

function listOr(items: SafeHtml[], empty: string): SafeHtml {
  return items.length > 0 ? html`<ul>${items}</ul>` : html`<p>${empty}</p>`;
}

/** A note body's text: pls writes simple HTML (paragraphs, escaped text). */
function textOf(body: string): string {
  return body
    .replace(/<\/p>/g, ' · ')
    .replace(/<[^>]*>/g, '')
    .replace(/ · $/, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** `Mon 7 Dec, 11:58`, in the manifest's zone: HubSpot shows a user times in their own zone. */
function localTime(iso: string, zone: string): string {
  const at = DateTime.fromISO(iso, { zone });
  return at.isValid ? at.toFormat('ccc d LLL, HH:mm') : iso;
}
