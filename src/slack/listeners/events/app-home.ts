import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
} from '@slack/bolt';
import { renderHome } from '../../render-home.js';
import { answer } from '../answer.js';
import type { ListenerDeps } from '../index.js';

type PublishView = Parameters<AllMiddlewareArgs['client']['views']['publish']>[0]['view'];

/** Publishes the Home tab whenever a user opens it: always current, nothing cached. */
export const homeOpened =
  (deps: ListenerDeps) =>
  async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    await answer({ client, logger: deps.logger, channel: undefined, user: event.user }, async () => {
      const view = renderHome(deps.homes.home(event.user, deps.now()));
      await client.views.publish({ user_id: event.user, view: view as unknown as PublishView });
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
      deps.actions.setOutOfOffice(body.user.id, action.value === 'on');
      const view = renderHome(deps.homes.home(body.user.id, deps.now()));
      await client.views.publish({ user_id: body.user.id, view: view as unknown as PublishView });
    });
  };
