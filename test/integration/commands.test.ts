import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, usageEvent } from '../support/events.js';
import { alertRow, deliver, type RaisedAlert, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { openAppHome, pressButton, slashCommand } from '../support/slack-requests.js';

let pls: Harness;
let acme: RaisedAlert;
let bigco: RaisedAlert;
beforeAll(async () => {
  pls = await startHarness();
  acme = await raiseHotAlert(pls);
  bigco = await raiseHotAlert(pls, {
    ...ACME,
    id: 'acct_big',
    name: 'BigCo',
    domain: 'bigco.example',
    employees: 5000,
  });
});
afterAll(async () => {
  await pls.stop();
});

type Block = {
  type: string;
  text?: { text: string };
  accessory?: { action_id: string; value: string; text: { text: string } };
};
const blocksOf = (body: Record<string, unknown>) => (body.blocks ?? []) as Block[];
const textOf = (body: Record<string, unknown>) =>
  blocksOf(body)
    .map((b) => b.text?.text ?? '')
    .join('\n');

describe('/pls queue', () => {
  it('shows a rep the unclaimed alerts of their own teams, with a Claim button per row', async () => {
    const ben = await slashCommand(pls.url, 'U0BEN', 'queue');
    expect(ben.body.response_type).toBe('ephemeral');
    expect(textOf(ben.body)).toContain('Acme');
    expect(textOf(ben.body)).not.toContain('BigCo'); // enterprise is not Ben's team
    const row = blocksOf(ben.body).find((b) => b.accessory?.action_id === 'claim')!;
    expect(row.accessory).toMatchObject({ value: acme.alertId, text: { text: 'Claim' } });
    expect(row.text!.text).toMatch(/hit the API calls limit .*\nclaim due in \d+ min · suggested <@U0/);

    const ana = await slashCommand(pls.url, 'U0ANA', 'queue');
    expect(textOf(ana.body)).toContain('BigCo');
  });

  it('shows a manager every team by default, and filters by team and tier', async () => {
    expect(textOf((await slashCommand(pls.url, 'U0MGR', 'queue')).body)).toMatch(
      /Acme[\s\S]*BigCo|BigCo[\s\S]*Acme/,
    );
    const enterprise = await slashCommand(pls.url, 'U0MGR', 'queue enterprise');
    expect(textOf(enterprise.body)).toContain('BigCo');
    expect(textOf(enterprise.body)).not.toContain('Acme');
    expect(textOf((await slashCommand(pls.url, 'U0MGR', 'queue warm')).body)).toContain(
      'Nothing in the queue',
    );
  });

  it('explains a bad filter instead of guessing', async () => {
    const reply = await slashCommand(pls.url, 'U0ANA', 'queue sideways');
    expect(reply.text).toMatch(
      /^`sideways` is not a queue filter\. Usage: `\/pls queue \[mine\|unclaimed\|all\] \[hot\|warm\] \[team\] \[play\] \[page\]`; teams: `enterprise`, `mid-market`; plays: `new_business`\.$/,
    );
  });

  it('claims from the queue, and `mine` then shows the claimed alert', async () => {
    await pressButton(pls.url, {
      actionId: 'claim',
      value: acme.alertId,
      user: 'U0BEN',
      channel: 'C0EXAMPLE',
      messageTs: '1795366561.000200',
    });
    await pls.emulator.waitFor(async () => (await alertRow(pls, acme.alertId)).state === 'claimed');
    const mine = await slashCommand(pls.url, 'U0BEN', 'queue mine');
    expect(textOf(mine.body)).toMatch(/Acme[\s\S]*first touch due in/);
    expect(blocksOf(mine.body).some((b) => b.accessory)).toBe(false);
    expect(textOf((await slashCommand(pls.url, 'U0BEN', 'queue')).body)).toContain('Nothing in the queue');
  });

  it('refuses people who are not in the manifest', async () => {
    expect((await slashCommand(pls.url, 'U0EXAMPLE', 'queue')).text).toBe(
      'pls commands are for the reps and managers named in the PQL manifest.',
    );
  });
});

describe('/pls account', () => {
  it('shows the dossier, every contribution, the gates and what blocks an alert', async () => {
    const reply = await slashCommand(pls.url, 'U0ANA', 'account acme.com');
    const text = JSON.stringify(reply.body.blocks);
    expect(text).toMatch(/Acme · score \d+ · HOT/);
    expect(text).toContain('hit the API calls limit (10,000/10,000)');
    expect(text).toContain('signal `usage_limit_hit`');
    expect(text).toContain('metric `company_size`');
    expect(text).toMatch(/Intent\* · 30\.0 pts · gate 10: ✅ passed/);
    expect(text).toContain('an alert is already open');
    expect(text).toContain('Kim Lee');
  });

  it('answers an unknown account or a missing argument clearly', async () => {
    expect((await slashCommand(pls.url, 'U0ANA', 'account nope.example')).text).toBe(
      'No account `nope.example`: give an account id or a domain.',
    );
    expect((await slashCommand(pls.url, 'U0ANA', 'account')).text).toBe(
      'Usage: `/pls account <account id or domain> [play]`.',
    );
    // Slack sends what the user typed escaped (`at&t.com` as `at&amp;t.com`): the reply escapes
    // it once, so Slack shows "at&t.com", not "at&amp;t.com".
    expect((await slashCommand(pls.url, 'U0ANA', 'account at&amp;t.com &lt;b&gt;')).text).toBe(
      'No account `at&amp;t.com`: give an account id or a domain.',
    );
  });

  it('asks for the account id when several accounts share the domain', async () => {
    await deliver(
      pls,
      usageEvent({ type: 'feature_used', account: { ...ACME, id: 'acct_42_eu', name: 'Acme EU' } }),
    );
    expect((await slashCommand(pls.url, 'U0ANA', 'account acme.com')).text).toBe(
      '`acme.com` is the domain of several accounts (`acct_42`, `acct_42_eu`): give the account id.',
    );
    const reply = await slashCommand(pls.url, 'U0ANA', 'account acct_42_eu');
    expect(JSON.stringify(reply.body.blocks)).toContain('Acme EU');
  });
});

describe('/pls help', () => {
  it('lists what the caller may run', async () => {
    const rep = (await slashCommand(pls.url, 'U0ANA', 'help')).text;
    expect(rep).toContain('/pls queue');
    expect(rep).not.toContain('/pls assign');
    expect((await slashCommand(pls.url, 'U0MGR', '')).text).toContain('/pls assign');
  });
});

describe('App Home', () => {
  it("publishes a rep's claimed alerts and their team's queue when opened", async () => {
    expect((await openAppHome(pls.url, 'U0BEN')).status).toBe(200);
    await settled(pls);
    const home = await pls.emulator.waitFor(() => pls.emulator.views.home('U0BEN'));
    const text = JSON.stringify(home.view.blocks);
    expect(text).toContain('Your claimed alerts');
    expect(text).toMatch(/Acme.*first touch due in/);
    expect(text).toContain('Out of office');
    // Ben holds Acme's alert: its next steps are on the row.
    const blocks = home.view.blocks as { block_id?: string; elements: { text: { text: string } }[] }[];
    const next = blocks.find((b) => b.block_id?.startsWith('home_next_'));
    expect(next?.elements.map((e: { text: { text: string } }) => e.text.text)).toEqual([
      'Mark contacted',
      'Log outcome',
    ]);
  });

  it('toggles out of office from the Home tab', async () => {
    await pressButton(pls.url, {
      actionId: 'toggle_ooo',
      value: 'on',
      user: 'U0ANA',
      channel: 'D0ANA',
      messageTs: '1795366561.000200',
    });
    await pls.emulator.waitFor(() =>
      JSON.stringify(pls.emulator.views.home('U0ANA')?.view.blocks ?? '').includes("I'm back"),
    );
    expect(await pls.query('select ooo from rep_status where rep_id = ?', 'U0ANA')).toEqual([{ ooo: 1 }]);
  });

  it('refreshes the Home of the rep whose alert changed', async () => {
    const before = pls.emulator.views.home('U0ANA')?.updates ?? 0;
    await pressButton(pls.url, {
      actionId: 'claim',
      value: bigco.alertId,
      user: 'U0ANA',
      channel: bigco.channel,
      messageTs: bigco.ts,
    });
    await pls.emulator.waitFor(() => (pls.emulator.views.home('U0ANA')?.updates ?? 0) > before);
    expect(JSON.stringify(pls.emulator.views.home('U0ANA')!.view.blocks)).toMatch(
      /BigCo.*first touch due in/,
    );
  });
});

describe('/pls sla', () => {
  it('reports the period for a manager, and refuses a rep', async () => {
    const reply = await slashCommand(pls.url, 'U0MGR', 'sla 7d');
    const text = JSON.stringify(reply.body);
    expect(reply.body.response_type).toBe('ephemeral');
    expect(text).toContain('SLA · last 7 days · all teams');
    expect(text).toContain('Times are wall-clock'); // the test manifest has business_hours: false
    // Earlier tests in this file claimed both alerts.
    expect(text).toContain('*Funnel* raised 2 → claimed 2');
    // Signals by their label (the test manifest gives none: the id made readable).
    expect(text).toContain('• Usage limit hit · 2 alerts');
    // The per-rep figures are the reply's one table block, accepted by the emulator as by Slack.
    const tables = (reply.body.blocks as { type: string; rows?: unknown[][] }[]).filter(
      (b) => b.type === 'table',
    );
    expect(tables).toHaveLength(1);
    expect(tables[0]!.rows![0]).toContainEqual({ type: 'raw_text', text: 'Claimed in SLA' });
    expect((await slashCommand(pls.url, 'U0ANA', 'sla')).text).toBe(
      '`/pls sla [7d|30d|90d] [team|@rep] [play]` is for managers.',
    );
    expect((await slashCommand(pls.url, 'U0MGR', 'sla 12d')).text).toMatch(/^`12d` is not an SLA filter/);
  });
});

describe('/pls calibrate', () => {
  it('answers at once, DMs the summary to the manager who asked, and puts its headline on /pls sla', async () => {
    const reply = await slashCommand(pls.url, 'U0MGR', 'calibrate 90d');
    expect(reply.text).toBe(
      'Calibrating on the last 90d: the summary arrives in your DM with pls in a moment.',
    );
    const dm = await pls.emulator.waitFor(
      () => pls.emulator.dms('U0MGR').find((m) => JSON.stringify(m.blocks).includes('PQL calibration')),
      {
        timeoutMs: 30_000,
        description: 'the calibration DM',
      },
    );
    expect(JSON.stringify(dm.blocks)).toContain('PQL calibration · last 90 days');
    const sla = await slashCommand(pls.url, 'U0MGR', 'sla');
    expect(JSON.stringify(sla.body.blocks)).toContain('calibration');
    expect((await slashCommand(pls.url, 'U0ANA', 'calibrate')).text).toBe(
      '`/pls calibrate [90d|180d|365d] [play]` is for managers.',
    );
    expect((await slashCommand(pls.url, 'U0MGR', 'calibrate 7d')).text).toMatch(/^Usage: `\/pls calibrate/);
  }, 40_000);
});
