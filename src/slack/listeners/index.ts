import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { CalibrationRunner } from '../../calibration/calibration-runner.js';
import type { Manifest } from '../../domain/definition.js';
import type { AccountViews } from '../../services/account-view.js';
import type { AlertActions } from '../../services/alert-actions.js';
import type { AlertCards } from '../../services/alert-card.js';
import type { HomeViews } from '../../services/home.js';
import type { QueueService } from '../../services/queue.js';
import type { SlaReports } from '../../services/sla-report-service.js';
import { ACTIONS, COMMAND, VIEWS } from '../ids.js';
import {
  assign,
  claim,
  details,
  logOutcome,
  markContacted,
  notAFit,
  release,
  snooze,
  unsnooze,
} from './actions/alert-buttons.js';
import { plsCommand } from './commands/pls.js';
import { homeOpened, toggleOoo } from './events/app-home.js';
import { assignChosen, notAFitSubmitted, outcomeLogged, snoozeChosen } from './views/alert-modals.js';

export interface ListenerDeps {
  actions: AlertActions;
  cards: AlertCards;
  queue: QueueService;
  accountViews: AccountViews;
  homes: HomeViews;
  slaReports: SlaReports;
  calibration: CalibrationRunner;
  now: () => number;
  manifest: Manifest;
  logger: Logger;
}

/** One registry per kind; each listener acks, calls one service, answers once. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.claim, claim(deps));
  app.action(ACTIONS.notAFit, notAFit(deps));
  app.action(ACTIONS.markContacted, markContacted(deps));
  app.action(ACTIONS.release, release(deps));
  app.action(ACTIONS.logOutcome, logOutcome(deps));
  app.action(ACTIONS.toggleOoo, toggleOoo(deps));
  app.action(ACTIONS.details, details(deps));
  app.action(ACTIONS.snooze, snooze(deps));
  app.action(ACTIONS.unsnooze, unsnooze(deps));
  app.action(ACTIONS.assign, assign(deps));

  app.event('app_home_opened', homeOpened(deps));

  app.view(VIEWS.notAFit, notAFitSubmitted(deps));
  app.view(VIEWS.logOutcome, outcomeLogged(deps));
  app.view(VIEWS.snooze, snoozeChosen(deps));
  app.view(VIEWS.assign, assignChosen(deps));

  app.command(COMMAND, plsCommand(deps));

  app.error(async (error) => {
    deps.logger.error({ err: error }, 'unhandled Slack listener error');
  });
}
