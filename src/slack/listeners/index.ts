import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Manifest } from '../../config/manifest.js';
import type { AlertsRepo } from '../../db/alerts-repo.js';
import type { OutboxRepo } from '../../db/outbox-repo.js';
import { ACTIONS } from '../ids.js';

export interface ListenerDeps {
  alerts: AlertsRepo;
  outbox: OutboxRepo;
  manifest: Manifest;
  logger: Logger;
  now: () => number;
  kick: () => void;
}

/** One registry per kind; each listener acks, calls one service, answers once. */
export function registerListeners(app: App, _deps: ListenerDeps): void {
  for (const actionId of Object.values(ACTIONS)) {
    app.action(actionId, async ({ ack }) => {
      await ack();
    });
  }
}
