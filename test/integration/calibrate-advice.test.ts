import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationReport } from '../../src/calibration/calibration.js';
import { runToExit } from '../support/child-process.js';
import { manifestFrom } from '../support/domain-builders.js';
import { writeHistoryDatabase } from '../support/history/history-database.js';
import {
  KNOWN_ANSWER_MANIFEST,
  knownAnswerHistory,
  liveAlertsFor,
  MISWEIGHTED_MANIFEST,
} from '../support/history/known-answer.js';

/**
 * Issue 19, item 6, through the real `npm run calibrate`: a pls database (real migrations) holding
 * a history where every alert got an outcome and reps won almost half of them. Calibration must
 * call it too tight without suggesting tighter thresholds, and say to keep today's definition
 * when its suggestion does not beat it; on a manifest that weights noise over the driver it must
 * recommend the change. Neither command draws progress when its stderr is not a terminal.
 */
let dir = '';
const env = (name: string) => ({
  DATABASE_URL: `file:${join(dir, `${name}.db`)}`,
  PLS_MANIFEST: join(dir, `${name}.yml`),
});
const untilOf = new Map<string, string>();

function writeCase(name: string, yaml: string, rates: { driver: number; none: number }, accounts: number) {
  const history = knownAnswerHistory({ seed: 7, accounts, rates });
  writeFileSync(join(dir, `${name}.yml`), yaml);
  writeHistoryDatabase(join(dir, `${name}.db`), history.events, liveAlertsFor(manifestFrom(yaml), history));
  untilOf.set(name, new Date(history.end).toISOString());
}

const calibrate = (name: string, ...flags: string[]) =>
  runToExit(
    ['src/cli/calibrate.ts', '--since', '365d', '--until', untilOf.get(name)!, ...flags],
    env(name),
    90_000,
  );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-calibrate-advice-'));
  writeCase('tight', KNOWN_ANSWER_MANIFEST, { driver: 0.85, none: 0.2 }, 640);
  writeCase('misweighted', MISWEIGHTED_MANIFEST, { driver: 0.55, none: 0 }, 600);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run calibrate on a history where reps win almost half their alerts', () => {
  it('calls it too tight, suggests nothing tighter, and says to keep today’s definition (--json)', async () => {
    const { code, output } = await calibrate('tight', '--json');
    expect(code, output).toBe(0);
    const report = JSON.parse(output) as CalibrationReport;
    expect(report.verdict).toMatchObject({ band: 'too-tight', firm: true });
    expect(report.tiers.all.rate!).toBeGreaterThan(0.4);
    const tiers = report.suggestion!.tiers;
    expect(tiers.warm).toBeLessThanOrEqual(tiers.was.warm);
    expect(tiers.hot).toBeLessThanOrEqual(tiers.was.hot);
    expect(report.recommendation.action).toBe('keep');
    expect(report.recommendation.caught).toEqual({
      today: report.validation.current.alertedBeforeConversion,
      suggested: report.validation.suggested!.alertedBeforeConversion,
      conversions: report.validation.current.conversions,
    });
    expect(report.recommendation.heldOutAuc.today).toBe(report.model!.auc.currentTest);
    expect(report.recommendation.heldOutAuc.suggested).toBe(report.model!.auc.test);
  }, 90_000);

  it('prints the same advice, without a suggested change, and no progress line off a terminal', async () => {
    const { code, output } = await calibrate('tight');
    expect(code, output).toBe(0);
    expect(output).toMatch(
      /^PQL→won 47\.2 % over 365 days: too tight, yet all 354 conversions had an alert before: a lower threshold would catch no more buyers, so keep the thresholds\.$/m,
    );
    expect(output).toMatch(
      /\nRecommendation: keep today's definition\. The suggested one does not beat it:\n {2}suggested: held-out AUC 0\.\d\d \(today 0\.\d\d\) · replay caught \d+ of 354 conversions with \d+ alerts a week \(today 354 with 52\)\n {2}- /,
    );
    expect(output).not.toContain('Suggested manifest change');
    expect(output).not.toContain('calibrating');
    expect(output).not.toContain('\u001b[');
  }, 90_000);

  it('recommends the change when the suggestion beats today’s on held-out alerts and in replay', async () => {
    const { code, output } = await calibrate('misweighted');
    expect(code, output).toBe(0);
    expect(output).toContain(
      "Recommendation: change to the suggested definition: it beats today's on the held-out alerts and in replay.",
    );
    expect(output).toMatch(/Suggested manifest change:\n.*\n.*\n {2}scoring:\n {4}tiers: /);
    expect(output).toMatch(/- id: demo {3}# was points 5\n {8}points: \d+\n/);
  }, 90_000);

  it('replays without a progress line when stderr is not a terminal', async () => {
    const { code, output } = await runToExit(
      ['src/cli/replay.ts', '--since', '365d', '--until', untilOf.get('tight')!],
      env('tight'),
      90_000,
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Replay of /);
    expect(output).not.toContain('replaying');
    expect(output).not.toContain('\u001b[');
  }, 90_000);
});
