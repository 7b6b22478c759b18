import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { applyEvent, emptyAccountState } from '../../../src/domain/account-state.js';
import { bestTimeToReach } from '../../../src/domain/dossier.js';
import type { UsageEvent } from '../../../src/domain/usage-event.js';
import { createDemoStory, createHotAccountStory, type Story } from '../../../tools/sandbox/demo-story.js';

/**
 * The demo story is the same whatever the hour it starts (issue 19): the backfill falls on the
 * calendar days before the story's day in the manifest's zone, at each account's own working
 * hours, so nothing in it (the dossier's best time to reach included) follows the start hour.
 */
const manifest = loadManifest(new URL('../../../manifests/sandbox.yml', import.meta.url).pathname);
const ZONE = manifest.timezone;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `hh:mm` on a day in the manifest's zone (around a DST change and in summer). */
const at = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone: ZONE }).toMillis();
const DAYS = ['2026-03-10', '2026-11-02'];
/** Hours of the day, its first and last minute included. */
const TIMES = ['00:01', '03:00', '09:30', '15:00', '20:00', '23:59'];

const fingerprint = (story: Story) => createHash('sha256').update(JSON.stringify(story)).digest('hex');
const backfill = (story: Story) => story.events.filter((e) => e.occurredAt !== undefined);
const live = (story: Story) => story.events.filter((e) => e.sendAt !== undefined);

describe('the demo story, whatever the hour it starts', () => {
  it('has the same accounts, backfill (to the millisecond) and live part at every hour of a day', () => {
    for (const date of DAYS) {
      const first = fingerprint(createDemoStory({ now: at(date, '00:00'), zone: ZONE, seed: 42 }));
      // Each start hour's story, against the one started at midnight.
      for (const time of TIMES) {
        const story = createDemoStory({ now: at(date, time), zone: ZONE, seed: 42 });
        expect(fingerprint(story), `${date} ${time}`).toBe(first);
      }
    }
  });

  it('plays another story for another seed', () => {
    const now = at('2026-03-10', '15:00');
    const a = createDemoStory({ now, zone: ZONE, seed: 42 });
    const b = createDemoStory({ now, zone: ZONE, seed: 43 });
    expect(backfill(b).map((e) => e.occurredAt)).not.toEqual(backfill(a).map((e) => e.occurredAt));
  });

  it('dates every backfill event past stale_after and inside the week, whatever the hour', () => {
    for (const date of DAYS) {
      const story = createDemoStory({ now: at(date, '12:00'), zone: ZONE, seed: 42 });
      const times = backfill(story).map((e) => e.occurredAt!);
      for (const time of ['00:00', '23:59']) {
        const now = at(date, time);
        const ages = times.map((t) => now - t);
        expect(Math.min(...ages), `${date} ${time}`).toBeGreaterThan(manifest.scoring.rules.stale_after);
        expect(Math.max(...ages), `${date} ${time}`).toBeLessThan(7 * DAY);
      }
    }
  });

  it('puts sessions in each account’s own working hours, in its own zone', () => {
    const story = createDemoStory({ now: at('2026-03-10', '03:00'), zone: ZONE, seed: 42 });
    const hours = backfill(story)
      .filter((e) => e.event.type === 'session_started')
      .map((e) => DateTime.fromMillis(e.occurredAt!, { zone: e.event.account.timezone }).hour);
    expect(Math.min(...hours)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...hours)).toBeLessThanOrEqual(18);
  });

  it('gives each account that alerts the same best time to reach at 03:00 and at 15:00, live sessions included', () => {
    const times = ['03:00', '15:00', '00:30', '09:00', '21:45'];
    const lines = times.map((time) => {
      const now = at('2026-03-10', time);
      return bestTimes(createDemoStory({ now, zone: ZONE, seed: 42 }), now);
    });
    for (const [i, line] of lines.entries()) expect(line, times[i]).toEqual(lines[0]);
    // And it says the account's habit, not the start hour: "…, 14:00–16:00 America/Chicago".
    const alerting = [...lines[0]!.values()];
    expect(alerting.length).toBeGreaterThanOrEqual(17);
    for (const line of alerting) expect(line).toMatch(/, (09|1\d):00–\d\d:00 [A-Za-z_/]+$/);
  });

  it('dates the "Make an account hot" account’s week the same way', () => {
    const a = createHotAccountStory({ now: at('2026-03-10', '03:00'), zone: ZONE, n: 0 });
    const b = createHotAccountStory({ now: at('2026-03-10', '15:00'), zone: ZONE, n: 0 });
    expect(backfill(a).map((e) => e.occurredAt)).toEqual(backfill(b).map((e) => e.occurredAt));
    expect(live(a).map((e) => e.event.type)).toEqual(live(b).map((e) => e.event.type));
  });
});

/**
 * Best time to reach of the accounts that alert, as pls's dossier computes it: every event of the
 * story folded into the account's state (live ones stamped when sent), read at the end.
 */
function bestTimes(story: Story, start: number): Map<string, string | null> {
  const alerting = new Set(
    story.accounts.filter((a) => ['hot', 'warm', 'late_converter'].includes(a.persona)).map((a) => a.id),
  );
  const states = new Map<string, ReturnType<typeof emptyAccountState>>();
  const zones = new Map<string, string>();
  const end = start + story.liveMs;
  for (const { occurredAt, sendAt, event } of story.events) {
    if (!alerting.has(event.account.id)) continue;
    const when = occurredAt ?? start + sendAt!;
    const state = states.get(event.account.id) ?? emptyAccountState();
    states.set(event.account.id, state);
    zones.set(event.account.id, event.account.timezone);
    const usage: UsageEvent = {
      id: event.id,
      source: 'webhook',
      type: event.type,
      occurredAt: when,
      accountId: event.account.id,
      account: null,
      userId: event.user?.id ?? null,
      user: null,
      properties: event.properties ?? {},
    };
    applyEvent(state, usage, manifest.scoring.signals, manifest.scoring.half_life, when);
  }
  return new Map(
    [...states].map(([id, state]) => [id, bestTimeToReach(state, zones.get(id)!, end)] as const),
  );
}
