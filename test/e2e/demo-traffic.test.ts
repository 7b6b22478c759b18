import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { createClock } from '../../src/runtime/clock.js';
import type { EmulatedMessage } from '../../tools/emulator/emulator-types.js';
import { createDemoStory, type Persona } from '../../tools/sandbox/demo-story.js';
import { eventually } from '../support/harness.js';
import { startTestSandbox, type TestSandbox } from './browser.js';

/**
 * The demo story played through the real, signed webhook into the real pls, fast: the alerts it
 * raises are the ones it was written to raise, and the rules of engagement hold the rest back.
 * Played twice on one day, started at 03:00 and at 15:00 (pls's clock set, not waited for), it
 * tells the same story: the same alerts, why now, routing and dossier (issue 19).
 */
const SEED = 42;
const ZONE = 'America/New_York'; // manifests/sandbox.yml's timezone
const DAY = '2026-03-10';
const MANAGER = 'U0SAM';

const started: TestSandbox[] = [];
afterAll(async () => {
  for (const running of started) await running.stop();
});

function query<T>(running: TestSandbox, sql: string): T[] {
  const db = new Database(running.databasePath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** The story played to its end with pls's clock at `time` on DAY in the manifest's zone. */
async function play(time: string): Promise<{ running: TestSandbox; startedAt: number }> {
  const startedAt = DateTime.fromISO(`${DAY}T${time}`, { zone: ZONE }).toMillis();
  const clock = createClock();
  clock.advance(startedAt - Date.now());
  const running = await startTestSandbox({ traffic: true, speed: 200, seed: SEED, clock });
  started.push(running);
  await eventually(() => running.sandbox.traffic.status().finished, 'the story to finish', 20_000);
  await eventually(
    () =>
      query<{ n: number }>(
        running,
        `select (select count(*) from events where processed_at is null)
              + (select count(*) from outbox where sent_at is null and failed_at is null) as n`,
      )[0]!.n === 0,
    'every event scored and every Slack call made',
    20_000,
  );
  return { running, startedAt };
}

interface AlertRow {
  account_id: string;
  tier: string;
  state: string;
  outcome: string | null;
  play: string;
  channel: string;
  suggested_rep: string | null;
  trigger: string;
}

const alertsOf = (running: TestSandbox) =>
  query<AlertRow>(
    running,
    'select account_id, play, tier, state, outcome, channel, suggested_rep, trigger from alerts order by account_id',
  );

type Json = Record<string, unknown>;

/**
 * What a rep reads in an alert's Details that must not follow the start hour: why now (without
 * its age), whom to talk to, the dossier (best time to reach included) and the first message.
 * Scores are left out: points decay with the hours since each backfill event.
 */
async function detailsOf(running: TestSandbox, message: EmulatedMessage): Promise<string[]> {
  const { slack } = running.sandbox;
  const actions = message.blocks.find((b) => (b as Json).block_id === 'alert_actions') as Json | undefined;
  const details = ((actions?.elements as Json[] | undefined) ?? []).find(
    (e) => (e.text as Json).text === 'Details',
  );
  if (!actions || !details) throw new Error(`no Details button on ${message.text}`);
  const pressed = await slack.press(
    MANAGER,
    { type: 'message', channel: message.channel, ts: message.ts },
    {
      type: 'button',
      block_id: 'alert_actions',
      action_id: String(details.action_id),
      text: 'Details',
      value: String(details.value),
    },
  );
  expect(pressed).toEqual({ ok: true });
  await eventually(() => slack.modalOf(MANAGER) !== undefined, 'the Details modal', 10_000);
  const modal = slack.modalOf(MANAGER)!;
  slack.closeModal(MANAGER, modal.id);
  const text = (block: Json) =>
    [block.text, ...((block.fields as Json[] | undefined) ?? [])]
      .map((t) => String((t as Json | undefined)?.text ?? ''))
      .filter(Boolean);
  return (modal.view.blocks as Json[]).flatMap((block) => {
    const id = String(block.block_id);
    if (id === 'details_score')
      return text(block).map((t) =>
        t.replace(/ · (just now|\d+ min ago|\d+ h ago|yesterday|\d+ days ago)$/, ''),
      );
    if (['details_contacts', 'details_dossier', 'details_opener'].includes(id)) return text(block);
    return [];
  });
}

/** Every play's teams' channels (manifests/sandbox.yml): new business's three, expansion's, churn risk's. */
const CHANNELS = ['C0ENTPLS01', 'C0MIDMARKET', 'C0GROWTHPLS', 'C0AMEXPAND', 'C0CSCHURN'];

describe('the demo traffic', () => {
  let first: { running: TestSandbox; startedAt: number };

  it('plays a few hundred accounts, and pls alerts on exactly the hot and warm ones', async () => {
    first = await play('03:00');
    const { running } = first;
    const story = createDemoStory({ now: first.startedAt, zone: ZONE, seed: SEED });
    const status = running.sandbox.traffic.status();
    expect(status).toMatchObject({ sent: story.events.length, accounts: 300, lastError: null });

    const alerts = alertsOf(running);
    const personaOf = new Map(story.accounts.map((a) => [a.id, a.persona]));
    const alerted = (persona: Persona) => alerts.filter((a) => personaOf.get(a.account_id) === persona);
    const cast = (persona: Persona) => story.accounts.filter((a) => a.persona === persona).length;

    expect(alerted('hot').map((a) => a.tier)).toEqual(Array(cast('hot')).fill('hot'));
    expect(alerted('warm')).toHaveLength(cast('warm'));
    expect(alerted('late_converter').map((a) => a.outcome)).toEqual(
      Array(cast('late_converter')).fill('self_served'),
    );
    for (const quiet of ['cold', 'hero', 'quiet_converter'] as const)
      expect(alerted(quiet), quiet).toEqual([]);
    // Paying customers near their quota: expansion's, in account management's channel, never sales'.
    expect(alerted('expansion').map((a) => [a.play, a.channel])).toEqual(
      Array(cast('expansion')).fill(['expansion', 'C0AMEXPAND']),
    );
    expect(alerts.filter((a) => a.play !== 'new_business')).toHaveLength(cast('expansion'));
    expect(cast('hero')).toBeGreaterThan(10);
    expect(cast('cold')).toBeGreaterThan(200);

    // Each alert is in Slack, in its team's channel.
    const posted = CHANNELS.flatMap((c) => running.sandbox.emulator.messages(c));
    expect(posted).toHaveLength(alerts.length);
  }, 60_000);

  it('tells the same story started at 15:00 as at 03:00: alerts, why now, routing, dossier', async () => {
    const second = await play('15:00');
    // The moments are the same, each at its own start's time.
    const story = (running: TestSandbox) =>
      alertsOf(running).map(({ trigger, ...alert }) => {
        const { at: _at, ...moment } = JSON.parse(trigger) as Json;
        return { ...alert, moment };
      });
    expect(story(second.running)).toEqual(story(first.running));

    const read = async (running: TestSandbox) => {
      const lines: string[][] = [];
      for (const channel of CHANNELS)
        for (const message of running.sandbox.emulator.messages(channel)) {
          if (message.blocks.some((b) => (b as Json).block_id === 'alert_actions'))
            lines.push(await detailsOf(running, message));
        }
      return lines;
    };
    const before = await read(first.running);
    const after = await read(second.running);
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(after).toEqual(before);
    // The dossier says each account's habit: a best time to reach on every open alert.
    for (const lines of before)
      expect(lines.join('\n')).toMatch(/\*Best time to reach\*\n\S.*\d\d:00–\d\d:00/);
  }, 90_000);
});
