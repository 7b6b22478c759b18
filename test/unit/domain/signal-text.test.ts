import { describe, expect, it } from 'vitest';
import { formatAge, renderSays } from '../../../src/domain/signal-text.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('renderSays', () => {
  const LIMIT = 'hit the {limit} limit ({used}/{quota})';

  it('fills placeholders from the event’s properties, numbers with thousands separators', () => {
    expect(renderSays(LIMIT, { limit: 'API calls', used: 10_000, quota: 10_000 })).toBe(
      'hit the API calls limit (10,000/10,000)',
    );
    expect(renderSays('viewed pricing {count}× in 7 days', { count: 3 })).toBe('viewed pricing 3× in 7 days');
  });

  it('formats numeric strings like numbers and keeps other strings as they are', () => {
    expect(renderSays(LIMIT, { limit: 'seats', used: '12000', quota: '12000.5' })).toBe(
      'hit the seats limit (12,000/12,000.5)',
    );
    expect(renderSays('used {feature}', { feature: 'v1.2 exports' })).toBe('used v1.2 exports');
    expect(renderSays('ratio {r}', { r: 0.12345 })).toBe('ratio 0.12');
  });

  it('leaves out a placeholder the event does not carry, with its empty brackets and spaces', () => {
    expect(renderSays(LIMIT, {})).toBe('hit the limit');
    expect(renderSays(LIMIT, { limit: 'API calls' })).toBe('hit the API calls limit');
    expect(renderSays('{who} requested a demo', {})).toBe('requested a demo');
  });

  it('leaves out values that are not text or numbers', () => {
    expect(renderSays('flag {flag} obj {obj}', { flag: true, obj: { a: 1 } })).toBe('flag obj');
  });

  it('inserts values literally, whatever they contain', () => {
    expect(renderSays('used {feature}', { feature: '$& {quota} $1' })).toBe('used $& {quota} $1');
  });

  it('leaves text without placeholders alone', () => {
    expect(renderSays('requested a demo', { anything: 1 })).toBe('requested a demo');
  });
});

describe('formatAge', () => {
  it('reads like a person would say it', () => {
    expect(formatAge(0)).toBe('just now');
    expect(formatAge(59_999)).toBe('just now');
    expect(formatAge(MINUTE)).toBe('1 min ago');
    expect(formatAge(3 * MINUTE)).toBe('3 min ago');
    expect(formatAge(59 * MINUTE + 59_000)).toBe('59 min ago');
    expect(formatAge(HOUR)).toBe('1 h ago');
    expect(formatAge(23 * HOUR + 59 * MINUTE)).toBe('23 h ago');
    expect(formatAge(24 * HOUR)).toBe('yesterday');
    expect(formatAge(47 * HOUR)).toBe('yesterday');
    expect(formatAge(48 * HOUR)).toBe('2 days ago');
    expect(formatAge(30 * 24 * HOUR)).toBe('30 days ago');
  });

  it('calls a future instant (clock skew) just now', () => {
    expect(formatAge(-5 * MINUTE)).toBe('just now');
  });
});
