import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../tools/emulator/hubspot-emulator.js';
import { runToExit } from '../support/child-process.js';
import { postgresOnly } from '../support/engines.js';
import { ACME, numberedAccount, usageEvent, warmingAccount } from '../support/events.js';
import { alertRow, deliver, limitHit, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness, TEST_MANIFEST } from '../support/harness.js';
import { pressButton, select, slashCommand, submitView, typed } from '../support/slack-requests.js';

/**
 * HubSpot through the real app and the official client, against the HubSpot emulator (README,
 * "HubSpot"): the company's owner routes the alert, and the alert's life shows on the company,
 * the claimer's task and a note. HubSpot's 429s and 500s delay write-back, never Slack.
 */
const OWNERS = [
  { id: '501', email: 'ben@seller.com', firstName: 'Ben', lastName: 'Rep', userId: 9501 },
  { id: '502', email: 'ana@seller.com', firstName: 'Ana', lastName: 'Rep', userId: 9502 },
  { id: '503', email: 'someone@seller.com', firstName: 'Not', lastName: 'A Rep', userId: 9503 },
];
const COMPANIES = [
  { id: '9001', name: 'Acme', domain: 'acme.com', ownerId: '501' },
  { id: '9002', name: 'Hooli 1', domain: 'hooli1.example', ownerId: '503' },
  { id: '9003', name: 'Hooli 2', domain: 'hooli2.example', ownerId: '501' },
  { id: '9004', name: 'Hooli 3', domain: 'hooli3.example', ownerId: '502' },
  { id: '9005', name: 'Scorely', domain: 'scorely.example', ownerId: '502' },
  { id: '9006', name: 'Gone', domain: 'gone.example', ownerId: '502' },
  { id: '9007', name: 'Writer', domain: 'writer.example', ownerId: '501' },
];

let hub: HubSpotEmulator;
let pls: Harness;

beforeAll(async () => {
  hub = createHubSpotEmulator({ owners: OWNERS, companies: COMPANIES });
  await hub.start();
  pls = await startHarness({ env: { HUBSPOT_TOKEN: hub.token, HUBSPOT_API_URL: hub.url }, logs: 'info' });
});

afterAll(async () => {
  await pls?.stop();
  await hub?.stop();
});

const press = (
  actionId: string,
  user: string,
  alert: { alertId: string; channel: string; ts: string },
  on: Harness = pls,
) =>
  pressButton(on.url, { actionId, value: alert.alertId, user, channel: alert.channel, messageTs: alert.ts });

async function ownerFound(
  on: Harness,
  accountId: string,
  slackUser: string | null,
  companyId?: string,
): Promise<void> {
  await on.emulator.waitFor(
    async () =>
      (
        await on.query<{ company_id: string | null; slack_user: string | null }>(
          'select company_id, slack_user from crm_accounts where account_id = ?',
          accountId,
        )
      ).find(
        (row) =>
          row.slack_user === slackUser &&
          row.company_id !== null &&
          (!companyId || row.company_id === companyId),
      ),
    { description: `${accountId}'s HubSpot owner looked up` },
  );
}

const taskOf = async (alertId: string) =>
  (await pls.query<{ task_id: string }>('select task_id from crm_tasks where alert_id = ?', alertId))[0]
    ?.task_id;

describe('HubSpot', () => {
  afterEach(() => hub.requests.splice(0));

  it('creates its property group and properties at start-up', async () => {
    await hub.waitFor(() => hub.hasProperty('pls_updated_at'), { description: 'properties created' });
    expect(hub.propertyGroup('pls')).toMatchObject({ name: 'pls' });
    for (const name of [
      'pls_score',
      'pls_tier',
      'pls_last_signal',
      'pls_alert_state',
      'pls_alert_play',
      'pls_alert_link',
    ])
      expect(hub.hasProperty(name)).toBe(true);
    expect(pls.logs().filter((line) => /HubSpot integration/.test(String(line.msg)))).toHaveLength(1);
  });

  it("routes the alert to the company's HubSpot owner, found by domain, email and Slack user", async () => {
    await deliver(pls, { events: warmingAccount(ACME) });
    await ownerFound(pls, ACME.id, 'U0BEN');
    await deliver(pls, limitHit(ACME));
    await settled(pls);
    const [alert] = await pls.query<{
      id: string;
      suggested_rep: string;
      channel: string;
      message_ts: string;
    }>(
      "select id, suggested_rep, channel, message_ts from alerts where account_id = ? and state = 'open'",
      ACME.id,
    );
    expect(alert!.suggested_rep).toBe('U0BEN');
    const message = pls.emulator.message(alert!.channel, alert!.message_ts)!;
    expect(JSON.stringify(message.blocks)).toContain('routed to the HubSpot owner');
    // The company shows what pls saw.
    await hub.waitFor(() => hub.company('9001')!.properties.pls_alert_state === 'open', {
      description: 'company written',
    });
    expect(hub.company('9001')!.properties).toMatchObject({
      pls_tier: 'hot',
      pls_score: expect.stringMatching(/^\d+$/),
      pls_alert_play: 'New business',
    });
    // Written once the alert was in Slack, with its link.
    expect(hub.company('9001')!.properties.pls_alert_link).toMatch(/^https?:\/\//);
  });

  it("writes a company's score as it moves, at most once a minute", async () => {
    const scorely = { ...ACME, id: 'acct_scorely', name: 'Scorely', domain: 'scorely.example' };
    const used = (feature: string) =>
      usageEvent({ type: 'feature_used', account: scorely, properties: { feature } });
    const scoreNow = async () =>
      String(
        Math.round(
          (await pls.query<{ score: number }>('select score from accounts where id = ?', scorely.id))[0]!
            .score,
        ),
      );
    await deliver(pls, used('reports'));
    const first = await scoreNow();
    await hub.waitFor(() => hub.company('9005')!.properties.pls_score === first, {
      description: 'first score',
    });
    const patches = () => hub.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/9005')).length;
    const before = patches();
    await deliver(pls, used('dashboards'));
    await deliver(pls, used('exports'));
    const latest = await scoreNow();
    expect(latest).not.toBe(first);
    pls.advance(60_000);
    await hub.waitFor(() => hub.company('9005')!.properties.pls_score === latest, {
      description: 'latest score',
    });
    // Two changes within the minute: one write, of the latest score.
    expect(patches()).toBe(before + 1);
  });

  it('skips an owner who is not a rep, and an owner the event names wins over HubSpot’s', async () => {
    const notARep = numberedAccount('Hooli', 1);
    await deliver(pls, { events: warmingAccount(notARep) });
    await ownerFound(pls, notARep.id, null);
    const named = { ...numberedAccount('Hooli', 2), owner: 'ana@seller.com' };
    await deliver(pls, { events: warmingAccount(named) });
    await ownerFound(pls, named.id, 'U0BEN');
    const first = await raiseHotAlert(pls, notARep);
    const second = await raiseHotAlert(pls, named);
    // Round-robin for the first (no rep owns it); the named owner (Ana) for the second, not HubSpot's Ben.
    expect(second.suggestedRep).toBe('U0ANA');
    const rows = await pls.query<{ route: string }>('select route from alerts where id = ?', first.alertId);
    expect(JSON.parse(rows[0]!.route).ownerFrom).toBeUndefined();
    const message = pls.emulator.message(second.channel, second.ts)!;
    expect(JSON.stringify(message.blocks)).not.toContain('HubSpot owner');
  });

  it('gives the claimer a task due at first touch, completes it at Mark contacted, and notes the outcome', async () => {
    const account = numberedAccount('Hooli', 3);
    const alert = await raiseHotAlert(pls, account);
    expect((await press('claim', 'U0ANA', alert)).status).toBe(200);
    const taskId = await hub.waitFor(() => taskOf(alert.alertId), { description: 'task recorded' });
    const task = hub.tasks().find((t) => t.id === taskId)!;
    const [{ first_touch_due_at }] = (await pls.query<{ first_touch_due_at: number }>(
      'select first_touch_due_at from alerts where id = ?',
      alert.alertId,
    )) as [{ first_touch_due_at: number }];
    expect(task.properties).toMatchObject({
      hubspot_owner_id: '502',
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'HIGH',
      hs_timestamp: new Date(Number(first_touch_due_at)).toISOString(),
      hs_task_subject: expect.stringContaining('Hooli 3'),
    });
    expect(task.companies).toEqual(['9004']);
    await hub.waitFor(() => hub.company('9004')!.properties.pls_alert_state === 'claimed');
    expect(hub.company('9004')!.properties.pls_alert_link).toMatch(/^https?:\/\//);

    expect((await press('mark_contacted', 'U0ANA', alert)).status).toBe(200);
    await hub.waitFor(
      () => hub.tasks().find((t) => t.id === taskId)!.properties.hs_task_status === 'COMPLETED',
      {
        description: 'task completed',
      },
    );

    await press('log_outcome', 'U0ANA', alert);
    await pls.emulator.waitFor(() => pls.emulator.views.modals().at(-1));
    const res = await submitView(pls.url, {
      callbackId: 'log_outcome',
      privateMetadata: alert.alertId,
      user: 'U0ANA',
      values: {
        outcome: { outcome_select: select('lost') },
        amount: { amount_input: typed(null, 'number_input') },
        objections: { objections_input: typed('price <b>too high</b>') },
        self_serve: { self_serve_input: typed('an annual plan in checkout') },
        note: { note_input: typed(null) },
      },
    });
    expect(res.status).toBe(200);
    const note = await hub.waitFor(() => hub.notes().find((n) => n.companies.includes('9004')), {
      description: 'outcome note',
    });
    expect(note.properties.hs_note_body).toContain('PQL alert closed: Lost');
    expect(note.properties.hs_note_body).toContain('Objections: price &lt;b&gt;too high&lt;/b&gt;');
    expect(note.properties.hs_note_body).toContain(
      'What would have let them self-serve: an annual plan in checkout',
    );
    await hub.waitFor(() => hub.company('9004')!.properties.pls_alert_state === 'closed');
  });

  it('deletes the task when the claimer releases the alert', async () => {
    const account = { ...numberedAccount('Hooli', 3), id: 'acct_hooli_3b' };
    const alert = await raiseHotAlert(pls, account);
    await press('claim', 'U0BEN', alert);
    const taskId = await hub.waitFor(() => taskOf(alert.alertId));
    expect(hub.tasks().find((t) => t.id === taskId)!.properties.hubspot_owner_id).toBe('501');
    await press('release', 'U0BEN', alert);
    await hub.waitFor(() => hub.archivedTasks().some((t) => t.id === taskId), {
      description: 'task deleted',
    });
    await pls.emulator.waitFor(async () => (await taskOf(alert.alertId)) === undefined);
    expect((await alertRow(pls, alert.alertId)).state).toBe('open');
  });

  it('moves the task when the alert turns hot, and hands it over on /pls assign', async () => {
    const account = { ...ACME, id: 'acct_upgrade', name: 'Upgrade Co', domain: 'upgrade.example' };
    const pricing = () => usageEvent({ type: 'pricing_page_viewed', account });
    await deliver(pls, { events: [...warmingAccount(account), pricing(), pricing(), pricing()] });
    await settled(pls);
    const [warm] = await pls.query<{ id: string; channel: string; message_ts: string; tier: string }>(
      "select id, channel, message_ts, tier from alerts where account_id = ? and state = 'open'",
      account.id,
    );
    expect(warm!.tier).toBe('warm');
    const alert = { alertId: warm!.id, channel: warm!.channel, ts: warm!.message_ts };
    await press('claim', 'U0ANA', alert);
    const taskId = await hub.waitFor(() => taskOf(alert.alertId), { description: 'task recorded' });
    const task = () => hub.tasks().find((t) => t.id === taskId)!.properties;
    expect(task()).toMatchObject({ hs_task_priority: 'MEDIUM', hubspot_owner_id: '502' });
    const dueOf = async () =>
      new Date(
        Number(
          (
            await pls.query<{ first_touch_due_at: number }>(
              'select first_touch_due_at from alerts where id = ?',
              alert.alertId,
            )
          )[0]!.first_touch_due_at,
        ),
      ).toISOString();
    expect(task().hs_timestamp).toBe(await dueOf());

    await deliver(pls, limitHit(account));
    await hub.waitFor(() => task().hs_task_priority === 'HIGH', { description: 'task upgraded' });
    expect(task().hs_timestamp).toBe(await dueOf());

    expect((await slashCommand(pls.url, 'U0MGR', `assign ${account.id} <@U0BEN>`)).text).not.toMatch(/^`/);
    await hub.waitFor(() => task().hubspot_owner_id === '501', { description: 'task handed to Ben' });
    expect(hub.tasks().filter((t) => t.properties.hs_task_subject?.includes('Upgrade Co'))).toHaveLength(1);
  });

  it('goes on without a company deleted in HubSpot, and looks it up again', async () => {
    const gone = { ...ACME, id: 'acct_gone', name: 'Gone', domain: 'gone.example' };
    const alert = await raiseHotAlert(pls, gone);
    await hub.waitFor(() => hub.company('9006')!.properties.pls_alert_state === 'open');
    hub.archiveCompany('9006');
    await press('claim', 'U0ANA', alert);
    // The task still reaches the claimer, on no company; the link is asked for again.
    const taskId = await hub.waitFor(() => taskOf(alert.alertId), { description: 'task without a company' });
    expect(hub.tasks().find((t) => t.id === taskId)!.companies).toEqual([]);
    // Asked again, HubSpot has no company with the domain: nothing more is written to the old one.
    await pls.emulator.waitFor(async () => {
      const [link] = await pls.query<{ company_id: string | null; checked_at: number }>(
        'select company_id, checked_at from crm_accounts where account_id = ?',
        gone.id,
      );
      return link!.company_id === null || Number(link!.checked_at) === 0;
    });
  });

  it("waits out HubSpot's 429s and retries its 500s, and Slack hears of the alert meanwhile", async () => {
    hub.fail('PATCH /crm/v3/objects/companies/{id}', { status: 429, times: 2 });
    hub.fail('POST /crm/v3/objects/tasks', { status: 500, times: 2 });
    const account = { ...numberedAccount('Hooli', 2), id: 'acct_hooli_2b', owner: undefined };
    const alert = await raiseHotAlert(pls, account);
    // Slack already has the alert (raiseHotAlert waited for it) while HubSpot turned pls away.
    expect(pls.emulator.message(alert.channel, alert.ts)).toBeDefined();
    // Each 429 rests the lane (or the score writes) for HubSpot's interval, 10 s: the clock moves
    // on by that much, a step at a time, until the alert's opening is written (the rest may start
    // from a clock a step has already moved, so one step per 429 is not always enough).
    const openedWritten = async () =>
      (
        await pls.query<{ sent_at: number | null }>(
          "select sent_at from webhook_deliveries where alert_id = ? and type = 'alert.opened' and url = 'crm:hubspot'",
          alert.alertId,
        )
      )[0]?.sent_at != null;
    for (let step = 0; step < 10 && !(await openedWritten()); step++) {
      await hub.waitFor(() => hub.requests.filter((r) => r.status === 429).length >= Math.min(step + 1, 2), {
        description: '429s answered',
      });
      pls.advance(10_000);
      await hub.waitFor(openedWritten, { timeoutMs: 2_500 }).catch(() => undefined);
    }
    expect(await openedWritten()).toBe(true);
    await press('claim', 'U0ANA', alert);
    await hub.waitFor(() => taskOf(alert.alertId), { description: 'task after 500s' });
    const statuses = hub.requests.map((r) => `${r.method} ${r.status}`);
    expect(statuses.filter((s) => s === 'PATCH 429')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'POST 500')).toHaveLength(2);
    await hub.waitFor(() => hub.company('9003')!.properties.pls_alert_state === 'claimed', {
      timeoutMs: 30_000,
    });
  });
});

describe('HubSpot with two instances on one database', () => {
  postgresOnly("keeps an alert's task in step with its claims, whichever instance writes", async () => {
    const second = await pls.another();
    try {
      const account = { ...ACME, id: 'acct_twice', name: 'Twice', domain: 'twice.example' };
      const alert = await raiseHotAlert(pls, account);
      // Claim, release, claim by another rep, release, claim: five changes in quick succession,
      // written back by whichever instance takes each row.
      for (const [action, user] of [
        ['claim', 'U0ANA'],
        ['release', 'U0ANA'],
        ['claim', 'U0BEN'],
        ['release', 'U0BEN'],
        ['claim', 'U0ANA'],
      ] as const)
        expect((await press(action, user, alert)).status).toBe(200);
      second.server.app.internals.webhookSender.kick();
      await pls.emulator.waitFor(
        async () =>
          (
            await pls.query<{ n: number }>(
              'select count(*) as n from webhook_deliveries where alert_id = ? and sent_at is null and failed_at is null',
              alert.alertId,
            )
          )[0]!.n === 0,
        { description: 'every change written back' },
      );
      const mine = (t: { properties: Record<string, string | null> }) =>
        t.properties.hs_task_subject?.includes('Twice') === true;
      // One live task, Ana's: any made for a claim released since was deleted (each row reads
      // the alert as it is when written, so how many were made depends on timing), none orphaned.
      expect(
        hub
          .tasks()
          .filter(mine)
          .map((t) => t.properties.hubspot_owner_id),
      ).toEqual(['502']);
      expect(hub.archivedTasks().filter(mine).length).toBeLessThanOrEqual(2);
      expect(await taskOf(alert.alertId)).toBe(hub.tasks().find(mine)!.id);
    } finally {
      await second.stop();
    }
  });
});

describe('HubSpot and npm run forget', () => {
  it("erases what pls kept of the account's HubSpot records and names the company to clean there", async () => {
    const { code, output } = await runToExit(['src/cli/forget.ts', '--id', 'acct_scorely', '--yes'], {
      DATABASE_URL: pls.databaseUrl,
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/, 1 HubSpot link\)\n/);
    expect(output).toContain('still there: the pls properties, tasks and notes on company 9005');
    expect(await pls.query("select * from crm_accounts where account_id = 'acct_scorely'")).toEqual([]);
  });
});

describe('HubSpot with only one of its jobs', () => {
  const withSettings = (settings: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'pls-hubspot-')), 'pls.yml');
    writeFileSync(path, `${readFileSync(TEST_MANIFEST, 'utf8')}\nintegrations:\n  hubspot: ${settings}\n`);
    return path;
  };

  it('writes nothing back with write_back: false, and still routes to the owner', async () => {
    const quiet = await startHarness({
      manifest: withSettings('{ write_back: false }'),
      env: { HUBSPOT_TOKEN: hub.token, HUBSPOT_API_URL: hub.url },
    });
    const from = hub.requests.length;
    try {
      const account = { ...ACME, id: 'acct_quiet', name: 'Quiet', domain: 'hooli2.example' };
      await deliver(quiet, { events: warmingAccount(account) });
      await ownerFound(quiet, account.id, 'U0BEN', '9003');
      const alert = await raiseHotAlert(quiet, account);
      // Hooli 2's owner, Ben.
      expect(alert.suggestedRep).toBe('U0BEN');
      await press('claim', 'U0BEN', alert, quiet);
      await settled(quiet);
      expect(await quiet.query("select * from webhook_deliveries where url = 'crm:hubspot'")).toEqual([]);
      const writes = hub.requests
        .slice(from)
        .filter(
          (r) => (r.method === 'PATCH' && r.path.endsWith('/9003')) || /objects\/(tasks|notes)/.test(r.path),
        );
      expect(writes).toEqual([]);
    } finally {
      await quiet.stop();
    }
  });

  it('asks HubSpot nothing ahead of an alert with owner_routing: false', async () => {
    const writer = await startHarness({
      manifest: withSettings('{ owner_routing: false }'),
      env: { HUBSPOT_TOKEN: hub.token, HUBSPOT_API_URL: hub.url },
    });
    const from = hub.requests.length;
    try {
      const account = { ...ACME, id: 'acct_writer', name: 'Writer', domain: 'writer.example' };
      await deliver(writer, { events: warmingAccount(account) });
      expect(hub.requests.slice(from).filter((r) => r.path.includes('/search'))).toEqual([]);
      const alert = await raiseHotAlert(writer, account);
      // Round-robin, not Hooli 3's owner; the company is still written (looked up when first written).
      const rows = await writer.query<{ route: string }>(
        'select route from alerts where id = ?',
        alert.alertId,
      );
      expect(JSON.parse(rows[0]!.route).ownerFrom).toBeUndefined();
      await hub.waitFor(() => hub.company('9007')!.properties.pls_alert_state === 'open');
    } finally {
      await writer.stop();
    }
  });
});

describe('HubSpot off and misconfigured', () => {
  it('is off with one start-up line when HUBSPOT_TOKEN is not set', async () => {
    const off = await startHarness({ logs: 'info' });
    try {
      const lines = off.logs().filter((line) => /HubSpot/.test(String(line.msg)));
      expect(lines.map((line) => line.msg)).toEqual(['HubSpot integration off: HUBSPOT_TOKEN is not set']);
      await raiseHotAlert(off);
      expect(await off.query('select * from webhook_deliveries')).toEqual([]);
    } finally {
      await off.stop();
    }
  });

  it('tells the managers once when HubSpot refuses the token', async () => {
    const refused = await startHarness({
      env: { HUBSPOT_TOKEN: 'pat-na1-not-the-right-token', HUBSPOT_API_URL: hub.url },
    });
    try {
      await raiseHotAlert(refused);
      const told = () =>
        refused.emulator.calls.filter(
          (c) =>
            c.method === 'chat.postMessage' &&
            c.args.channel === 'U0MGR' &&
            /HubSpot refused/.test(String(c.args.text)),
        );
      await refused.emulator.waitFor(() => told().length === 1, { description: 'managers told' });
      expect(String(told()[0]!.args.text)).toContain('HUBSPOT_TOKEN');
      // Ten minutes on, every call is refused again: the managers are not told a second time.
      const refusals = () => hub.requests.filter((r) => r.status === 401).length;
      const before = refusals();
      await raiseHotAlert(refused, numberedAccount('Hooli', 4));
      refused.advance(11 * 60_000);
      await hub.waitFor(() => refusals() > before, { description: 'refused again' });
      await settled(refused);
      expect(told()).toHaveLength(1);
    } finally {
      await refused.stop();
    }
  });
});
