import type { WebClient } from '@slack/web-api';
import type { HomeViews } from '../services/home.js';
import { renderHome } from './render-home.js';

type PublishedView = Parameters<WebClient['views']['publish']>[0]['view'];

/** Renders the user's App Home as it is now and publishes it (on open, on a toggle, from the outbox). */
export async function publishHome(
  client: WebClient,
  homes: HomeViews,
  userId: string,
  now: number,
): Promise<void> {
  const view = renderHome(await homes.home(userId, now));
  await client.views.publish({ user_id: userId, view: view as unknown as PublishedView });
}
