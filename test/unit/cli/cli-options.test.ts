import { describe, expect, it } from 'vitest';
import { durationFlag, instantFlag, parseFlags, UsageError } from '../../../src/cli/cli-options.js';

const spec = { values: ['manifest', 'since', 'until'], switches: ['json'] };

describe('parseFlags', () => {
  it('reads --name value, --name=value and switches', () => {
    const flags = parseFlags(['--manifest', 'a.yml', '--since=30d', '--json'], spec);
    expect([...flags]).toEqual([
      ['manifest', 'a.yml'],
      ['since', '30d'],
      ['json', true],
    ]);
  });

  it('refuses what it does not know, a missing value, a value on a switch and stray words', () => {
    expect(() => parseFlags(['--nope'], spec)).toThrow(new UsageError('unknown option --nope'));
    expect(() => parseFlags(['--since'], spec)).toThrow(new UsageError('--since needs a value'));
    expect(() => parseFlags(['--since', '--json'], spec)).toThrow(new UsageError('--since needs a value'));
    expect(() => parseFlags(['--json=yes'], spec)).toThrow(new UsageError('--json takes no value'));
    expect(() => parseFlags(['30d'], spec)).toThrow(new UsageError('unexpected argument "30d"'));
  });
});

describe('durationFlag and instantFlag', () => {
  it('reads durations as the manifest writes them, with a default', () => {
    expect(durationFlag(parseFlags(['--since', '90d'], spec), 'since', '30d')).toBe(90 * 86_400_000);
    expect(durationFlag(parseFlags([], spec), 'since', '30d')).toBe(30 * 86_400_000);
    expect(durationFlag(parseFlags(['--since', 'P2W'], spec), 'since', '30d')).toBe(14 * 86_400_000);
    expect(() => durationFlag(parseFlags(['--since', '0s'], spec), 'since', '30d')).toThrow(
      /--since: must be longer than zero/,
    );
  });

  it('reads --until as a day (its end, UTC) or a moment', () => {
    expect(instantFlag(parseFlags(['--until', '2026-09-30'], spec), 'until', 0)).toBe(
      Date.parse('2026-09-30T23:59:59.999Z'),
    );
    expect(instantFlag(parseFlags(['--until', '2026-09-30T18:00:00Z'], spec), 'until', 0)).toBe(
      Date.parse('2026-09-30T18:00:00Z'),
    );
    expect(instantFlag(parseFlags([], spec), 'until', 42)).toBe(42);
    expect(() => instantFlag(parseFlags(['--until', 'yesterday'], spec), 'until', 0)).toThrow(
      /--until: expected an ISO 8601 date/,
    );
  });
});
