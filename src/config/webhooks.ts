import { ConfigError, type ConfigIssue, configIssue } from './config-error.js';
import type { EnvSource } from './env.js';
import type { WebhookEventType, WebhookSubscription } from './manifest.js';

/** An outbound webhook endpoint, ready to sign for: its secret read from the environment if named there. */
export interface WebhookEndpoint {
  readonly url: string;
  /** `whsec_…` */
  readonly secret: string;
  readonly events: ReadonlySet<WebhookEventType>;
}

const REFERENCE = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

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
    if (reference !== undefined && !SECRET.test(secret)) {
      issues.push(
        configIssue(
          'manifest',
          `integrations.webhooks.${i}.secret`,
          secret === ''
            ? `names ${reference}, which is not set`
            : `names ${reference}, which does not hold a Standard Webhooks secret (whsec_ and base64)`,
          { file },
        ),
      );
    }
    return { url: subscription.url, secret, events: new Set(subscription.events) };
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return endpoints;
}
