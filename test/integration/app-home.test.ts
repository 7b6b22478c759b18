import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlocks } from '../../tools/emulator/block-kit-limits.js';
import { alertRow, raiseHotAlert, settled } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { pressButton } from '../support/slack-requests.js';

/**
 * A rep's App Home follows the alert through its life: claimed alerts with their next step, and
 * contacted ones with Log outcome — after Mark contacted an alert used to leave the Home, and the
 * rep had nowhere to say how it ended.
 */
let pls: Harness;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

/** The last Home pls published for `user`, as text, with its blocks. */
function lastHome(user: string) {
  const call = pls.emulator
    .callsTo('views.publish')
    .filter((c) => c.args.user_id === user)
    .at(-1);
  const view = call?.args.view as { blocks: Record<string, unknown>[] } | undefined;
  return { blocks: view?.blocks ?? [], text: JSON.stringify(view?.blocks ?? []) };
}

describe('App Home', () => {
  it('keeps a contacted alert in its holder’s Home, with Log outcome, until it is closed', async () => {
    const alert = await raiseHotAlert(pls);
    const press = (actionId: string) =>
      pressButton(pls.url, {
        actionId,
        value: alert.alertId,
        user: 'U0ANA',
        channel: alert.channel,
        messageTs: alert.ts,
      });
    expect((await press('claim')).status).toBe(200);
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'claimed');
    expect((await press('mark_contacted')).status).toBe(200);
    await pls.emulator.waitFor(async () => (await alertRow(pls, alert.alertId)).state === 'contacted');
    await settled(pls);

    const home = lastHome('U0ANA');
    expect(home.text).toContain('Contacted: log how it ended');
    expect(home.text).toContain('Nothing awaiting first touch.');
    const outcome = home.blocks.find((b) => b.block_id === `home_outcome_${alert.alertId}`) as
      | { elements: { action_id: string; value: string }[] }
      | undefined;
    expect(outcome?.elements.map((e) => [e.action_id, e.value])).toEqual([['log_outcome', alert.alertId]]);
    expect(validateBlocks(home.blocks, 'home')).toEqual([]);
  });
});
