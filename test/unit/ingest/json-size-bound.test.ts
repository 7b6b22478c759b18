import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSizeBound } from '../../../src/ingest/json-size-bound.js';

const SEED = 20261123;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('jsonSizeBound', () => {
  it('is never below the bytes JSON.stringify writes, for any parsed JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        expect(jsonSizeBound(value, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(bytes(value));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('past its stop it still says more than the stop, so the caller measures exactly', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.integer({ min: 0, max: 200 }), (value, stop) => {
        const full = jsonSizeBound(value, Number.POSITIVE_INFINITY);
        const cut = jsonSizeBound(value, stop);
        if (full > stop) expect(cut).toBeGreaterThan(stop);
        else expect(cut).toBe(full);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('bounds control characters, quotes and surrogate pairs by their escapes', () => {
    for (const text of ['\u0000\u001f', '"\\', '😀', 'é'])
      expect(jsonSizeBound(text, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(bytes(text));
  });
});
