import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventProcessor, ProcessResult } from '../../../src/services/process-events.js';
import { createProcessingLoop } from '../../../src/services/processing-loop.js';

/** A processor whose turns report `more` as scripted; `calls` are the fake-timer times the turns started at. */
function scriptedProcessor(turns: { more: boolean }[]) {
  const calls: number[] = [];
  const processor = {
    processPending(): ProcessResult {
      calls.push(Date.now() - start);
      const turn = turns.shift() ?? { more: false };
      return { processed: 1, decisions: [], more: turn.more };
    },
  } as unknown as EventProcessor;
  return { processor, calls };
}

let start: number;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  start = Date.now();
});
afterEach(() => vi.useRealTimers());

function loopWith(turns: { more: boolean }[]) {
  const { processor, calls } = scriptedProcessor(turns);
  const processed: ProcessResult[] = [];
  const loop = createProcessingLoop({
    processor,
    logger: pino({ level: 'silent' }),
    onProcessed: (result) => processed.push(result),
  });
  return { loop, calls, processed };
}

describe('processing loop', () => {
  it('gathers the events of a few milliseconds into one turn', async () => {
    const { loop, calls } = loopWith([{ more: false }]);
    loop.kick();
    loop.kick();
    loop.kick();
    await vi.advanceTimersByTimeAsync(3);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1); // three kicks, one turn
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(1); // nothing waiting behind it: no further turn until a kick
    loop.stop();
  });

  it('runs the next turn at once while events wait behind it, and stops when none do', async () => {
    const { loop, calls } = loopWith([{ more: true }, { more: true }, { more: false }]);
    loop.kick();
    await vi.advanceTimersByTimeAsync(4);
    for (let i = 0; i < 3; i++) await vi.runOnlyPendingTimersAsync(); // the immediates queued by turns
    // Back to back (setImmediate; the fake clock counts an immediate as a millisecond), with no
    // gathering window between them.
    expect(calls).toHaveLength(3);
    expect(calls[2]! - calls[0]!).toBeLessThan(4);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(3);
    loop.stop();
  });
});
