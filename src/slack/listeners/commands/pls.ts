import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { parseCalibrateArgs } from '../../../calibration/calibration-runner.js';
import { calibrationHeadlineBlock, renderCalibration } from '../../../calibration/render-calibration.js';
import { actorOf } from '../../../domain/alert-lifecycle.js';
import type { Routing } from '../../../domain/definition.js';
import { ErrorCode } from '../../../domain/errors.js';
import { NEW_BUSINESS, outcomeWord, playNamed, playOf } from '../../../domain/play.js';
import { outside, unescapeSlackText } from '../../../domain/slack-text.js';
import { parseQueueArgs } from '../../../services/queue.js';
import { parseSlaArgs } from '../../../services/sla-report-service.js';
import { UserError, userError } from '../../../services/user-error.js';
import { renderAccount } from '../../render-account.js';
import { renderQueue } from '../../render-queue.js';
import { renderSlaReport } from '../../render-sla-report.js';
import { GENERIC_FAILURE, replyOf } from '../answer.js';
import type { ListenerDeps } from '../index.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** A subcommand's reply: text, optionally with blocks. Always ephemeral. */
export interface Reply {
  text: string;
  blocks?: Record<string, unknown>[];
  /** Work that cannot fit Slack's 3 seconds: runs after the ack, with the Web API client. */
  later?: (client: WebClient) => Promise<void>;
}

interface Subcommand {
  /** Reps may run it; managers may run everything. */
  reps: boolean;
  usage: string;
  summary: string;
  run(deps: ListenerDeps, userId: string, args: string[]): Reply | Promise<Reply>;
}

/** `@rep` arrives escaped as `<@U123|name>` because /pls is declared with should_escape: true. */
export function userIdOf(token: string | undefined): string | null {
  const match = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(token ?? '');
  return match?.[1] ?? null;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  queue: {
    reps: true,
    usage: '/pls queue [mine|unclaimed|all] [hot|warm] [team] [play]',
    summary: 'the signal queue, ranked by tier and score, with a Claim button per row',
    async run(deps, userId, args) {
      return renderQueue(await deps.queue.queue(userId, parseQueueArgs(args, deps.manifest), deps.now()));
    },
  },
  account: {
    reps: true,
    usage: '/pls account <id|domain> [play]',
    summary: 'the dossier and the full score breakdown',
    async run(deps, _userId, [ref, playArg]) {
      if (!ref)
        throw new UserError(ErrorCode.CommandUsage, 'Usage: `/pls account <account id or domain> [play]`.');
      return renderAccount(await deps.accountViews.view(ref, deps.now(), playArg ?? null));
    },
  },
  sla: {
    reps: false,
    usage: '/pls sla [7d|30d|90d] [team|@rep] [play]',
    summary: 'claim and first-touch SLAs, breaches, per-rep table, PQL→won per tier and each play’s outcomes',
    async run(deps, _userId, args) {
      const { plays } = deps.manifest;
      const request = parseSlaArgs(args, deps.manifest, userIdOf);
      const judged = playOf(plays, request.play ?? NEW_BUSINESS);
      const reply = renderSlaReport(await deps.slaReports.report(request, deps.now()), {
        signal: (id) => judged.scoring.signals.find((s) => s.id === id)?.label ?? null,
        play: (id) => {
          const play = plays.find((p) => p.id === id);
          return play ? { label: play.label, outcome: outcomeWord(play) } : null;
        },
      });
      // The latest calibration's headline (from /pls calibrate); a report is never computed here.
      const latest = deps.calibration.latest(request.play ?? NEW_BUSINESS);
      if (latest) reply.blocks.push(calibrationHeadlineBlock(latest, deps.now()));
      return reply;
    },
  },
  calibrate: {
    reps: false,
    usage: '/pls calibrate [90d|180d|365d] [play]',
    summary: 'lift per signal, PQL→won per tier and suggested weights, sent to you as a DM',
    run(deps, userId, args) {
      const period = parseCalibrateArgs(args, deps.manifest.plays);
      if ('error' in period) throw new UserError(ErrorCode.CommandUsage, period.error);
      const which = deps.manifest.plays.length > 1 ? ` ${period.play.label.toLowerCase()}` : '';
      return {
        text: `Calibrating${which} on the last ${period.label}: the summary arrives in your DM with pls in a moment.`,
        // A replay of the history runs in a child process: seconds to minutes, never on the ack.
        later: async (client) => {
          const report = await deps.calibration.run({ since: period.since, play: period.play.id });
          await client.chat.postMessage({
            channel: userId,
            ...(renderCalibration(report) as { text: string }),
          });
        },
      };
    },
  },
  ooo: {
    reps: true,
    usage: '/pls ooo on|off',
    summary: 'mark yourself out of office: routing skips you',
    async run(deps, userId, [mode]) {
      if (mode !== 'on' && mode !== 'off')
        throw new UserError(ErrorCode.CommandUsage, 'Usage: `/pls ooo on` or `/pls ooo off`.');
      const { held } = await deps.actions.setOutOfOffice(userId, mode === 'on');
      if (mode === 'off') return { text: "Welcome back: you're in the routing again." };
      const holding =
        held > 0
          ? ` You still hold ${held} alert${held === 1 ? '' : 's'}: release any someone else should take.`
          : '';
      return { text: `You're out of office: new alerts skip you until \`/pls ooo off\`.${holding}` };
    },
  },
  assign: {
    reps: false,
    usage: '/pls assign <account> @rep [play]',
    summary: "hand an account's alert to a named rep",
    async run(deps, userId, [account, rep, playArg]) {
      const repId = userIdOf(rep);
      if (!account || !repId)
        throw new UserError(
          ErrorCode.CommandUsage,
          'Usage: `/pls assign <account id or domain> @rep [play]`.',
        );
      const play = playArg ? playNamed(deps.manifest.plays, playArg) : null;
      if (playArg && !play) {
        const plays = deps.manifest.plays.map((p) => `\`${p.id}\``).join(', ');
        throw userError(
          ErrorCode.UnknownPlay,
        )`\`${playArg}\` is not a play. Usage: \`/pls assign <account id or domain> @rep [play]\`; plays: ${plays}.`;
      }
      const alert = await deps.actions.assign(userId, account, repId, play?.id ?? null);
      return {
        text: `Assigned the ${alert.tier} alert for \`${outside(account.replaceAll('`', "'"), 200)}\` to <@${repId}>.`,
      };
    },
  },
  help: {
    reps: true,
    usage: '/pls help',
    summary: 'this list',
    run(deps, userId) {
      const lines = commandsFor(deps.manifest.routing, userId).map((s) => `• \`${s.usage}\` — ${s.summary}`);
      return { text: `*pls commands*\n${lines.join('\n')}` };
    },
  },
};

/**
 * The subcommands a person may run, as `/pls help` lists them: a manager every one, a rep those
 * for reps, anyone else none (the sandbox's command chips show the same list).
 */
export function commandsFor(
  routing: Pick<Routing, 'reps' | 'managers'>,
  userId: string,
): { name: string; usage: string; summary: string }[] {
  const { isManager, isRep } = actorOf(routing, userId);
  return Object.entries(SUBCOMMANDS)
    .filter(([, s]) => isManager || (isRep && s.reps))
    .map(([name, s]) => ({ name, usage: s.usage, summary: s.summary }));
}

/**
 * `/pls …`: the reply is the ack's body, so it arrives inside Slack's 3-second window as an
 * ephemeral message (https://api.slack.com/interactivity/slash-commands#responding_to_commands).
 */
export const plsCommand =
  (deps: ListenerDeps) =>
  async ({ ack, command, client }: CommandArgs) => {
    const [name = 'help', ...args] = unescapeSlackText(command.text).trim().split(/\s+/).filter(Boolean);
    const sub = SUBCOMMANDS[name.toLowerCase()];
    const { isManager: manager, isRep: rep } = actorOf(deps.manifest.routing, command.user_id);
    let reply: Reply;
    try {
      if (!sub) throw userError(ErrorCode.UnknownCommand)`Unknown command \`${name}\`. Try \`/pls help\`.`;
      if (!manager && !(sub.reps && rep)) {
        throw new UserError(
          ErrorCode.NotPermitted,
          sub.reps
            ? 'pls commands are for the reps and managers named in the PQL manifest.'
            : `\`${sub.usage}\` is for managers.`,
        );
      }
      reply = await sub.run(deps, command.user_id, args);
    } catch (error) {
      reply = { text: replyOf(error, deps.logger, { text: command.text }, 'command failed') };
    }
    const { later, ...body } = reply;
    await ack({ response_type: 'ephemeral', ...body });
    later?.(client).catch(async (error: unknown) => {
      deps.logger.error({ err: error, text: command.text }, 'command follow-up failed');
      await client.chat.postMessage({ channel: command.user_id, text: GENERIC_FAILURE }).catch(() => {});
    });
  };
