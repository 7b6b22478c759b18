import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { Store } from '../db/store.js';
import type { Manifest } from '../domain/definition.js';

interface SlackCheck {
  /** auth.test answered ok: the token works. */
  auth: boolean;
  /** Every configured channel exists and has the bot in it. */
  channelsOk: boolean;
  problems: SlackProblem[];
  checkedAt: number;
}

/** What is wrong, for people, and Slack's error code (or pls's own word for it), for metrics. */
export interface SlackProblem {
  error: string;
  text: string;
}

/**
 * The token and the configured channels are checked at start-up, so a typo in the manifest or a
 * channel the bot was never invited to is reported before the first alert is lost to it.
 */
async function checkSlack(client: WebClient, manifest: Manifest, now: () => number): Promise<SlackCheck> {
  const problems: SlackProblem[] = [];
  try {
    await client.auth.test();
  } catch (error) {
    const code = slackError(error);
    return {
      auth: false,
      channelsOk: false,
      problems: [{ error: code, text: `auth.test failed: ${code}` }],
      checkedAt: now(),
    };
  }
  const channels = new Map<string, string>();
  for (const team of manifest.teams) channels.set(team.channel, `team ${team.id}`);
  channels.set(manifest.routing.escalation_channel, 'escalation_channel');
  for (const [channel, use] of channels) {
    try {
      const info = await client.conversations.info({ channel });
      const c = info.channel as { is_member?: boolean; is_archived?: boolean } | undefined;
      if (c?.is_archived) problems.push({ error: 'is_archived', text: `<#${channel}> (${use}) is archived` });
      else if (c?.is_member === false)
        problems.push({
          error: 'not_in_channel',
          text: `the bot is not in <#${channel}> (${use}): invite it with /invite @pls`,
        });
    } catch (error) {
      const code = slackError(error);
      problems.push({ error: code, text: `<#${channel}> (${use}): ${code}` });
    }
  }
  return { auth: true, channelsOk: problems.length === 0, problems, checkedAt: now() };
}

function slackError(error: unknown): string {
  const e = error as { data?: { error?: string }; message?: string };
  return e.data?.error ?? e.message ?? String(error);
}

/**
 * pls's view of its Slack setup: checked at start (problems logged, counted and told to the
 * managers), and — while Slack has not accepted the token, which may just have been unreachable
 * at start — checked again at most once a minute, so /readyz recovers without a restart.
 */
export function createSlackHealth(deps: {
  client: WebClient;
  manifest: Manifest;
  store: Store;
  outbox: OutboxRepo;
  logger: Logger;
  now: () => number;
  /** Each problem's Slack error, for metrics. */
  onProblem: (error: string) => void;
}) {
  const { client, manifest, store, outbox, logger, now } = deps;
  let current: SlackCheck | null = null;
  let lastRecheck = 0;

  async function check(): Promise<void> {
    current = await checkSlack(client, manifest, now);
    if (current.problems.length === 0) {
      logger.info('slack check passed: token valid, every configured channel reachable');
      return;
    }
    const texts = current.problems.map((p) => p.text);
    logger.error({ problems: texts }, 'slack check found problems');
    for (const problem of current.problems) deps.onProblem(problem.error);
    if (!current.auth) return; // nobody can be told without a working token
    const text = `⚠️ pls started with configuration problems:\n${texts.map((p) => `• ${p}`).join('\n')}`;
    // Queued in a unit of work, whose commit wakes the outbox sender.
    await store.unit(() => outbox.noticeManagers(manifest.routing.managers, text, now()), { durable: false });
  }

  const checkLogged = () =>
    void check().catch((error: unknown) => logger.error({ err: error }, 'slack check failed'));

  return {
    /** The last check's result; null before the first has answered. */
    current: () => current,
    /** The start-up check. */
    start: checkLogged,
    /** From every sweep: checks again while the token has not been accepted, once a minute. */
    recheck(): void {
      if (current === null || current.auth || now() - lastRecheck <= 60_000) return;
      lastRecheck = now();
      checkLogged();
    },
  };
}
