import { Webhook } from 'standardwebhooks';
import type { WebhookEventType, WebhookSubscription } from '../domain/definition.js';
import { ConfigError, type ConfigIssue, configIssue } from './config-error.js';
import type { EnvSource } from './env.js';

/** An outbound webhook endpoint, ready to sign for: its secret read from the environment if named there. */
export interface WebhookEndpoint {
  readonly url: string;
  /** `whsec_…` */
  readonly secret: string;
  readonly events: ReadonlySet<WebhookEventType>;
}

const REFERENCE = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;

/** A Standard Webhooks secret: `whsec_` and 24 to 64 bytes in base64 (what the library signs with). */
function isSecret(secret: string): boolean {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return false;
  const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
  if (bytes < 24 || bytes > 64) return false;
  try {
    new Webhook(secret);
    return true;
  } catch {
    return false;
  }
}

/**
 * The manifest's `integrations.webhooks` with every `${ENV_NAME}` secret read from `source`;
 * throws `ConfigError` naming each entry whose variable is unset or holds no secret (never the
 * value: it is a secret).
 */
export function resolveWebhooks(
  subscriptions: readonly WebhookSubscription[],
  source: EnvSource,
  file: string | null = null,
): WebhookEndpoint[] {
  const issues: ConfigIssue[] = [];
  const endpoints = subscriptions.map((subscription, i): WebhookEndpoint => {
    const reference = REFERENCE.exec(subscription.secret)?.[1];
    const secret = reference === undefined ? subscription.secret : (source[reference]?.trim() ?? '');
    if (!isSecret(secret)) {
      const what = 'a Standard Webhooks secret (whsec_ and 24 to 64 bytes in base64)';
      issues.push(
        configIssue(
          'manifest',
          `integrations.webhooks.${i}.secret`,
          reference === undefined
            ? `is not ${what}`
            : secret === ''
              ? `names ${reference}, which is not set`
              : `names ${reference}, which does not hold ${what}`,
          { file },
        ),
      );
    }
    return { url: subscription.url, secret, events: new Set(subscription.events) };
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return endpoints;
}
