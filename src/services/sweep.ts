import type { Logger } from 'pino';
import type { Metrics } from '../obs/metrics.js';
import type { AlertActions } from './alert-actions.js';
import type { Retention } from './retention.js';
import type { SlaSweep } from './sla-sweep.js';

/**
 * The periodic sweep (`sla.sweep_every`, src/services/scheduler.ts): Slack's health looked at
 * again, scoring kicked (a new day's re-score begins on the first turn after midnight, and the
 * sweep gives scoring one when no event does), retention, the SLA ladder, snoozes that ended.
 * One sweep at a time: `sweep` runs one after any under way (tests and tools ask for a sweep and
 * mean one that starts now); `sweepIfIdle`, the scheduler's, skips when one is under way.
 */
export function createSweeper(deps: {
  sla: SlaSweep;
  actions: AlertActions;
  retention: Retention;
  /** Looks at Slack's health again. */
  recheckSlack: () => void;
  /** Gives scoring a turn. */
  kickScoring: () => void;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}) {
  const { sla, actions, metrics, logger } = deps;
  let sweeping: Promise<void> | null = null;

  const sweepOnce = async (): Promise<void> => {
    deps.recheckSlack();
    deps.kickScoring();
    deps.retention.kick();
    const { failed, ...result } = await sla.sweep();
    for (const { error, ...action } of failed)
      logger.error({ err: error, ...action }, 'sla action failed: rolled back alone, retried next sweep');
    for (const { step } of result.escalations) {
      metrics.escalations.inc({ step });
      if (step === 'escalate') metrics.slaBreaches.inc({ kind: 'claim' });
    }
    metrics.slaBreaches.inc({ kind: 'first_touch' }, result.firstTouchBreaches);
    const snoozesEnded = await actions.endSnoozesDue(deps.now(), 100);
    const acted =
      result.escalations.length +
      result.firstTouchBreaches +
      result.backOffPrompts +
      result.backOffClosed +
      snoozesEnded;
    if (acted > 0) logger.info({ ...result, snoozesEnded }, 'sla sweep acted');
  };

  const sweep = (): Promise<void> => {
    const run: Promise<void> = (sweeping ?? Promise.resolve())
      .catch(() => {})
      .then(sweepOnce)
      .finally(() => {
        if (sweeping === run) sweeping = null;
      });
    sweeping = run;
    return run;
  };

  return {
    sweep,
    sweepIfIdle: (): Promise<void> | undefined => (sweeping ? undefined : sweep()),
  };
}
