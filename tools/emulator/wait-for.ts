/**
 * Polls a probe until it yields a value or a deadline passes. Tests wait on what the app did
 * (a call recorded, a message updated) instead of sleeping for a guessed time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { WaitForOptions } from './emulator-types.js';

/**
 * Resolves with the probe's first value (awaited, when the probe is async) that is not `undefined`, `null` or `false`. A probe that
 * throws (an `expect` inside it, say) counts as "not yet"; its last error is in the timeout error.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 5000, intervalMs = 10 } = options;
  // Real time on purpose: this waits for the app's I/O, whatever clock the emulator was given.
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) throw timeoutError(probe, options, timeoutMs, lastError);
    await delay(intervalMs);
  }
}

function timeoutError(
  probe: () => unknown,
  options: WaitForOptions,
  timeoutMs: number,
  lastError: unknown,
): Error {
  const description = options.description ?? probe.toString().replace(/\s+/g, ' ').slice(0, 300);
  const reason = lastError instanceof Error ? `; last probe error: ${lastError.message}` : '';
  return new Error(`waitFor timed out after ${timeoutMs}ms waiting for: ${description}${reason}`, {
    cause: lastError,
  });
}
