import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACME } from '../support/events.js';
import { alertRow, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness, TEST_MANIFEST, TEST_USERS } from '../support/harness.js';
import { slashCommand } from '../support/slack-requests.js';

/**
 * Fair attribution and the tier's promise, end to end: who a missed SLA counts against, when a
 * handed-over rep's clock starts, and what the alert and the managers are told when routing keeps
 * or breaks the tier. CY takes warm alerts only.
 */
let dir: string;
let manifest: string;
let pls: Harness;
const USERS = [...TEST_USERS, { id: 'U0CY', name: 'cy', email: 'cy@seller.com', tz: 'America/New_York' }];
const HOUR = 3_600_000;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-attribution-'));
  manifest = join(dir, 'pls.yml');
  const yaml = readFileSync(TEST_MANIFEST, 'utf8')
    .replace('      reps: [U0ANA, U0BEN]\n', '      reps: [U0ANA, U0BEN, U0CY]\n')
    .replace(
      '    - { id: U0BEN, email: ben@seller.com, capacity: 10, tiers: [hot, warm] }\n',
      '    - { id: U0BEN, email: ben@seller.com, capacity: 10, tiers: [hot, warm] }\n' +
        '    - { id: U0CY, email: cy@seller.com, capacity: 10, tiers: [warm] }\n',
    );
  expect(yaml).toContain('U0CY, email');
  writeFileSync(manifest, yaml);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await pls?.stop();
});

const statusOf = (alert: { channel: string; ts: string }) =>
  JSON.stringify(
    pls.emulator
      .message(alert.channel, alert.ts)!
      .blocks.find((b) => (b as { block_id?: string }).block_id === 'alert_status'),
  );

describe('/pls assign: the assignee starts on a clock of their own', () => {
  it('claims for the assignee with first touch due from the hand-over; the lapsed claim stays with the team and the rep it was with', async () => {
    pls = await startHarness({ manifest, users: USERS });
    const alert = await raiseHotAlert(pls);
    const first = alert.suggestedRep!;
    const other = first === 'U0ANA' ? 'U0BEN' : 'U0ANA';
    pls.advance(3 * HOUR); // past the 15-minute claim SLA and the 2-hour first touch it started with
    const reply = await slashCommand(pls.url, 'U0MGR', `assign ${ACME.domain} <@${other}>`);
    expect(reply.text).toBe(`Assigned the hot alert for \`acme.com\` to <@${other}>.`);
    await settled(pls);

    const [row] = await pls.query<{ due: number; at: number; assignedBy: string; breachedAt: number | null }>(
      `select a.first_touch_due_at as due, e.at as at, a.assigned_by as assignedBy,
         a.first_touch_breached_at as breachedAt
       from alerts a join alert_events e on e.alert_id = a.id and e.kind = 'assigned' where a.id = ?`,
      alert.alertId,
    );
    expect(row).toMatchObject({ due: row!.at + 2 * HOUR, assignedBy: 'U0MGR', breachedAt: null });
    expect(await alertRow(pls, alert.alertId)).toMatchObject({ state: 'claimed', claimed_by: other });
    expect(
      await pls.query<{ kind: string; rep: string | null }>(
        `select kind, json_extract(data, '$.rep') as rep from alert_events
         where alert_id = ? and kind in ('claim_lapsed', 'first_touch_breached')`,
        alert.alertId,
      ),
    ).toEqual([{ kind: 'claim_lapsed', rep: first }]);

    const status = statusOf(alert);
    expect(status).toContain(`Assigned to <@${other}> by <@U0MGR> · first touch by`);
    expect(status).not.toContain('first-touch SLA breached');
    expect(status).toContain(`SLA record: claim missed with <@${first}>`);

    // /pls sla says the same: the lapse is the first rep's, the assignee has no claim clock.
    const sla = await slashCommand(pls.url, 'U0MGR', 'sla 7d');
    const table = (sla.body.blocks as { type: string; rows: Record<string, unknown>[][] }[]).find(
      (b) => b.type === 'table',
    )!;
    const rowOf = (rep: string) =>
      table.rows
        .find((row) => JSON.stringify(row[0]).includes(`"user_id":"${rep}"`))
        ?.map((cell) => (cell.type === 'raw_text' ? cell.text : 'rep'));
    expect(rowOf(other)).toEqual(['rep', '1 (1 assigned)', '—', '—', '—', '0', '—']);
    expect(rowOf(first)).toEqual(['rep', '0', '—', '—', '—', '0', '1 claim']);

    // The sweep does not flag the assignee for the clock they never held.
    await pls.server.app.internals.sweep();
    await settled(pls);
    const missed = pls.emulator
      .messages('C0ESCALATE')
      .filter((m) => m.text.includes('has not marked it contacted'));
    expect(missed).toEqual([]);
  });

  it('refuses a rep outside the alert’s tier while the team has reps of it, and names them', async () => {
    pls = await startHarness({ manifest, users: USERS });
    const alert = await raiseHotAlert(pls);
    const reply = await slashCommand(pls.url, 'U0MGR', `assign ${ACME.domain} <@U0CY>`);
    expect(reply.text).toBe(
      '<@U0CY> does not take hot alerts (the manifest’s `tiers`), and <@U0ANA>, <@U0BEN> do: assign it to one of them.',
    );
    expect(await alertRow(pls, alert.alertId)).toMatchObject({ state: 'open', claimed_by: null });
  });
});

describe('routing outside the tier', () => {
  it('goes to a rep of another tier only when no rep of the tier can take it, and says so in the alert and to the managers', async () => {
    pls = await startHarness({ manifest, users: USERS });
    for (const rep of ['U0ANA', 'U0BEN'])
      expect((await slashCommand(pls.url, rep, 'ooo on')).text).toMatch(/^You're out of office/);
    const alert = await raiseHotAlert(pls);
    expect(alert.suggestedRep).toBe('U0CY');
    await settled(pls);
    expect(statusOf(alert)).toContain(
      'Suggested rep: <@U0CY> (outside the tier: no rep who takes hot alerts can take it)',
    );
    expect(pls.emulator.messages('C0ESCALATE').map((m) => m.text)).toEqual([
      expect.stringMatching(
        /^📣 <@U0MGR> the hot alert for Acme in <#C0MIDMARKET> went to <@U0CY>, who does not take hot alerts: no rep who does can take it now/,
      ),
    ]);
  });
});
