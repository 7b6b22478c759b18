import { describe, expect, it } from 'vitest';
import { depthError, tooDeepAt } from '../../../src/ingest/json-depth.js';

describe('tooDeepAt', () => {
  it('counts the top level as 1 and finds the first container past the limit, through objects and arrays', () => {
    expect(tooDeepAt({ a: [{ b: 1 }] }, 3)).toBeNull();
    expect(tooDeepAt({ a: [{ b: [] }] }, 3)).toEqual(['a', 0, 'b']);
    expect(tooDeepAt([1, 'x', null], 1)).toBeNull();
    expect(tooDeepAt('text', 0)).toBeNull();
  });

  it('keeps the path right after leaving a deep sibling that fitted', () => {
    const value = { first: { a: { b: 1 } }, second: [1, { c: { d: {} } }] };
    expect(tooDeepAt(value, 4)).toEqual(['second', 1, 'c', 'd']);
  });

  it('walks 200,000 levels without recursing', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(tooDeepAt(deep)).toHaveLength(64);
  });
});

describe('depthError', () => {
  it('is a field error under the prefix, long keys cut', () => {
    const key = 'k'.repeat(100);
    expect(depthError({ [key]: { x: {} } }, ['events', 2], 2)).toEqual({
      path: `events.2.${'k'.repeat(64)}….x`,
      message: 'nested deeper than 2 levels',
    });
    expect(depthError([[[]]], [], 2)).toEqual({ path: '0.0', message: 'nested deeper than 2 levels' });
  });
});
