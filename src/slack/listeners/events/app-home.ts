import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
} from '@slack/bolt';
import { publishHome } from '../../publish-home.js';
import { answer } from '../answer.js';
import type { ListenerDeps } from '../index.js';

/** Publishes the Home tab whenever a user opens it: always current, nothing cached. */
export const homeOpened =
  (deps: ListenerDeps) =>
  async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    await answer({ client, logger: deps.logger, channel: undefined, user: event.user }, async () => {
      await publishHome(client, deps.homes, event.user, deps.now());
    });
  };

/** The Home tab's out-of-office button: the same switch as `/pls ooo on|off`. */
export const toggleOoo =
  (deps: ListenerDeps) =>
  async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    await answer({ client, logger: deps.logger, channel: undefined, user: body.user.id }, async () => {
      await deps.actions.setOutOfOffice(body.user.id, action.value === 'on');
      await publishHome(client, deps.homes, body.user.id, deps.now());
    });
  };
