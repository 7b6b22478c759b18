import { describe, expect, it } from 'vitest';
import { publicShape } from '../../../src/integrations/webhook-events.js';

describe('publicShape', () => {
  it('renames keys to snake_case and times to ISO 8601, nested objects too, and leaves the rest', () => {
    const at = Date.parse('2026-12-07T15:04:05Z');
    expect(
      publicShape({
        kind: 'closed',
        by: 'U0ANA',
        selfServeBlocker: 'needed SSO',
        until: at,
        ms: 14_400_000,
        trigger: { signalId: 'usage_limit_hit', at, eventId: 'evt_1', props: { limit: 'API calls' } },
        tags: ['a', 'b'],
        closedAt: null,
      }),
    ).toEqual({
      kind: 'closed',
      by: 'U0ANA',
      self_serve_blocker: 'needed SSO',
      until: '2026-12-07T15:04:05.000Z',
      ms: 14_400_000,
      trigger: {
        signal_id: 'usage_limit_hit',
        at: '2026-12-07T15:04:05.000Z',
        event_id: 'evt_1',
        props: { limit: 'API calls' },
      },
      tags: ['a', 'b'],
      closed_at: null,
    });
  });
});
