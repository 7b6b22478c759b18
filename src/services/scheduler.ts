import cron from 'node-cron';
import type { Logger } from 'pino';

/**
 * Runs a task every `everyMs`: with node-cron when the interval is cron-shaped (whole seconds or
 * minutes that divide an hour or a minute evenly, so runs land on the clock), with a timer
 * otherwise. No logic of its own; a run that throws is logged and the next one still happens.
 */
export function startScheduler(
  everyMs: number,
  task: () => void | Promise<void>,
  logger: Logger,
): { stop(): void } {
  const failed = (error: unknown) => logger.error({ err: error }, 'scheduled task failed');
  const run = () => {
    try {
      task()?.catch(failed);
    } catch (error) {
      failed(error);
    }
  };
  const expression = cronExpression(everyMs);
  if (expression) {
    const job = cron.schedule(expression, run, { noOverlap: true });
    return { stop: () => void job.destroy() };
  }
  const timer = setInterval(run, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** `*​/30 * * * * *` for 30s, `0 *​/5 * * * *` for 5m; null when no cron expression fits. */
function cronExpression(everyMs: number): string | null {
  const seconds = everyMs / 1000;
  if (Number.isInteger(seconds) && seconds >= 1 && seconds < 60 && 60 % seconds === 0)
    return `*/${seconds} * * * * *`;
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && minutes >= 1 && minutes < 60 && 60 % minutes === 0)
    return `0 */${minutes} * * * *`;
  return null;
}
