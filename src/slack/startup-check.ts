import type { WebClient } from '@slack/web-api';
import type { Manifest } from '../config/manifest.js';

export interface SlackCheck {
  /** auth.test answered ok: the token works. */
  auth: boolean;
  /** Every configured channel exists and has the bot in it. */
  channelsOk: boolean;
  problems: string[];
  checkedAt: number;
}

/**
 * SPEC §6: the configured channels are checked at start-up, so a typo in the manifest or a
 * channel the bot was never invited to is reported before the first alert is lost to it.
 */
export async function checkSlack(
  client: WebClient,
  manifest: Manifest,
  now: () => number,
): Promise<SlackCheck> {
  const problems: string[] = [];
  try {
    await client.auth.test();
  } catch (error) {
    return {
      auth: false,
      channelsOk: false,
      problems: [`auth.test failed: ${slackError(error)}`],
      checkedAt: now(),
    };
  }
  const channels = new Map<string, string>();
  for (const team of manifest.routing.teams) channels.set(team.channel, `team ${team.id}`);
  channels.set(manifest.routing.escalation_channel, 'escalation_channel');
  for (const [channel, use] of channels) {
    try {
      const info = await client.conversations.info({ channel });
      const c = info.channel as { is_member?: boolean; is_archived?: boolean } | undefined;
      if (c?.is_archived) problems.push(`<#${channel}> (${use}) is archived`);
      else if (c?.is_member === false)
        problems.push(`the bot is not in <#${channel}> (${use}): invite it with /invite @pls`);
    } catch (error) {
      problems.push(`<#${channel}> (${use}): ${slackError(error)}`);
    }
  }
  return { auth: true, channelsOk: problems.length === 0, problems, checkedAt: now() };
}

function slackError(error: unknown): string {
  const e = error as { data?: { error?: string }; message?: string };
  return e.data?.error ?? e.message ?? String(error);
}
