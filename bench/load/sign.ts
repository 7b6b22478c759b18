import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signing with the same library pls verifies with
 * (https://www.standardwebhooks.com/): `webhook-id`, `webhook-timestamp`, `webhook-signature`.
 */
export function createSigner(secret: string) {
  const webhook = new Webhook(secret);
  let counter = 0;
  return (body: string, at = new Date()): Record<string, string> => {
    const id = `msg_${at.getTime().toString(36)}${(counter++).toString(36)}`;
    return {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': webhook.sign(id, at, body),
    };
  };
}

/** A fresh `whsec_` secret for a run. */
export function randomWebhookSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')}`;
}
