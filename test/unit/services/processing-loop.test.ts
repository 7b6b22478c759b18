import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventProcessor, ProcessResult } from '../../../src/services/process-events.js';
import { createProcessingLoop } from '../../../src/services/processing-loop.js';

/**
 * A processor whose turns take `turnMs` on the loop's clock (the fake timers' clock plus the
 * time turns have taken: a turn is synchronous, so timers cannot advance inside it) and report
 * `more` as scripted. `calls` are the fake-timer times the turns started at.
 */
function scriptedProcessor(turns: { more: boolean; turnMs: number }[]) {
  const calls: number[] = [];
  let spent = 0;
  const processor = {
    processPending(): ProcessResult {
      calls.push(Date.now() - start);
      const turn = turns.shift() ?? { more: false, turnMs: 0 };
      spent += turn.turnMs;
      return { processed: 1, decisions: [], more: turn.more };
    },
  } as unknown as EventProcessor;
  return { processor, calls, clock: () => Date.now() + spent };
}

let start: number;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  start = Date.now();
});
afterEach(() => vi.useRealTimers());

function loopWith(turns: { more: boolean; turnMs: number }[], busy = false) {
  const { processor, calls, clock } = scriptedProcessor(turns);
  const processed: ProcessResult[] = [];
  const loop = createProcessingLoop({
    processor,
    logger: pino({ level: 'silent' }),
    onProcessed: (result) => processed.push(result),
    ingestBusy: () => busy,
    clock,
  });
  return { loop, calls, processed };
}

describe('processing loop', () => {
  it('gathers the events of a few milliseconds into one turn', async () => {
    const { loop, calls } = loopWith([{ more: false, turnMs: 1 }]);
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

  it('runs the next turn at once while events wait behind it and ingest is quiet', async () => {
    const { loop, calls } = loopWith([
      { more: true, turnMs: 5 },
      { more: true, turnMs: 5 },
      { more: false, turnMs: 2 },
    ]);
    loop.kick();
    await vi.advanceTimersByTimeAsync(4);
    for (let i = 0; i < 3; i++) await vi.runOnlyPendingTimersAsync(); // the immediates queued by turns
    // Back to back (setImmediate; the fake clock counts an immediate as a millisecond), not the
    // 15 ms a flood would pause after a 5 ms turn.
    expect(calls).toHaveLength(3);
    expect(calls[2]! - calls[0]!).toBeLessThan(5);
    loop.stop();
  });

  it('under a flood pauses three turn-lengths after a full turn: scoring keeps a quarter', async () => {
    const { loop, calls } = loopWith(
      [
        { more: true, turnMs: 5 },
        { more: true, turnMs: 5 },
        { more: false, turnMs: 1 },
      ],
      true,
    );
    loop.kick();
    await vi.advanceTimersByTimeAsync(4); // the first turn, at the end of the gathering window
    expect(calls).toEqual([4]);
    await vi.advanceTimersByTimeAsync(14);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 15 ms after the 5 ms turn
    expect(calls).toHaveLength(2);
    loop.stop();
  });

  it('a short turn is not paused even under a flood', async () => {
    const { loop, calls } = loopWith(
      [
        { more: true, turnMs: 1 },
        { more: false, turnMs: 1 },
      ],
      true,
    );
    loop.kick();
    await vi.advanceTimersByTimeAsync(4);
    for (let i = 0; i < 3; i++) await vi.runOnlyPendingTimersAsync();
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBeLessThan(3); // a pause would be three turn-lengths
    loop.stop();
  });
});
