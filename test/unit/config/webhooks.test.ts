import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { resolveWebhooks } from '../../../src/config/webhooks.js';
import type { WebhookSubscription } from '../../../src/domain/definition.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const hook = (secret: string): WebhookSubscription => ({
  url: 'https://hooks.example.com/pls',
  secret,
  events: ['alert.opened', 'alert.closed'],
});

describe('resolveWebhooks', () => {
  it(`reads a \${NAME} secret from the environment and keeps a literal one`, () => {
    const [named, literal] = resolveWebhooks([hook(`\${HOOK_SECRET}`), hook(SECRET)], {
      HOOK_SECRET: ` ${SECRET} `,
    });
    expect(named).toEqual({
      url: 'https://hooks.example.com/pls',
      secret: SECRET,
      events: new Set(['alert.opened', 'alert.closed']),
    });
    expect(literal!.secret).toBe(SECRET);
  });

  it('names the entry whose variable is unset or holds no secret, never the value', () => {
    let error: unknown;
    try {
      resolveWebhooks(
        [hook(`\${UNSET_SECRET}`), hook(`\${BAD_SECRET}`)],
        { BAD_SECRET: 'hunter2' },
        'pls.yml',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((issue) => [issue.path, issue.message, issue.file])).toEqual([
      ['integrations.webhooks.0.secret', 'names UNSET_SECRET, which is not set', 'pls.yml'],
      [
        'integrations.webhooks.1.secret',
        'names BAD_SECRET, which does not hold a Standard Webhooks secret (whsec_ and 24 to 64 bytes in base64)',
        'pls.yml',
      ],
    ]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });

  it('refuses a secret too short to sign with, literal or named', () => {
    let error: unknown;
    try {
      resolveWebhooks([hook('whsec_A'), hook('whsec_AAAA')], {});
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).issues.map((issue) => [issue.path, issue.message])).toEqual([
      [
        'integrations.webhooks.0.secret',
        'is not a Standard Webhooks secret (whsec_ and 24 to 64 bytes in base64)',
      ],
      [
        'integrations.webhooks.1.secret',
        'is not a Standard Webhooks secret (whsec_ and 24 to 64 bytes in base64)',
      ],
    ]);
  });
});
