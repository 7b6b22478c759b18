import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ConfigError } from '../config/config-error.js';
import { databaseFrom, ENV_DEFAULTS, type EnvSource } from '../config/env.js';
import {
  type AccountEraser,
  type AccountSelector,
  DataLifecycleError,
  type ForgetReport,
  openSqliteEraser,
} from '../db/data-lifecycle.js';
import { openPostgresEraser } from '../db/postgres/forget.js';
import { plural } from '../report/format.js';
import { parseFlags, requestOrExit, UsageError } from './cli-options.js';

const USAGE = `usage: npm run forget -- --id <account id> [--yes]
       npm run forget -- --domain <domain> [--yes]
Erases everything pls holds about one account: its events, its people (those in no other
account), firmographics and score, and its alerts with their audit trail and Slack outbox.
Lists what it will erase and asks before erasing; --yes erases without asking (needed when
stdin is not a terminal). Reads DATABASE_URL: a SQLite file or Postgres (default
${ENV_DEFAULTS.DATABASE_URL}).`;

export interface ForgetIo {
  /** Where the confirmation is read from; only a terminal is asked. */
  input: Readable & { isTTY?: boolean };
  output: Writable;
  errors: Writable;
}

/**
 * `npm run forget` (README, "Operating it"): needs only the database (`DATABASE_URL`, a SQLite
 * file or Postgres), never Slack. Exit 0 = erased, 1 = nothing erased (unknown account, refused
 * or declined, no database or none reachable, bad DATABASE_URL), 2 = usage.
 */
export async function runForget(args: readonly string[], source: EnvSource, io: ForgetIo): Promise<number> {
  const parsed = requestOrExit(() => parseRequest(args), USAGE, io);
  if ('exit' in parsed) return parsed.exit;
  const { request } = parsed;
  try {
    return await forget(request.selector, request.yes, source, io);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataLifecycleError) {
      io.errors.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * The account is always named by kind: a bare argument could be an id or a domain, and a guess
 * that goes the wrong way erases the wrong customer.
 */
function parseRequest(args: readonly string[]): { selector: AccountSelector; yes: boolean } | 'help' {
  const positional = args.find(
    (arg, i) => !arg.startsWith('-') && !['--id', '--domain'].includes(args[i - 1] ?? ''),
  );
  if (positional !== undefined) {
    throw new UsageError(
      `"${positional}": say what it is, with --id ${positional} or --domain ${positional}`,
    );
  }
  const flags = parseFlags(args, { values: ['id', 'domain'], switches: ['yes', 'help'] });
  if (flags.has('help')) return 'help';
  const id = flags.get('id');
  const domain = flags.get('domain');
  if (id !== undefined && domain !== undefined) throw new UsageError('give --id or --domain, not both');
  const yes = flags.has('yes');
  if (typeof id === 'string' && id.trim()) return { selector: { id: id.trim() }, yes };
  if (typeof domain === 'string' && domain.trim()) return { selector: { domain: domain.trim() }, yes };
  throw new UsageError('name the account with --id <account id> or --domain <domain>');
}

/** The eraser of the engine `DATABASE_URL` names (src/config/env.ts `databaseFrom`). */
async function openEraser(source: EnvSource): Promise<AccountEraser> {
  const database = databaseFrom(source);
  return database.path === null ? openPostgresEraser(database.url) : openSqliteEraser(database.path);
}

async function forget(selector: AccountSelector, yes: boolean, source: EnvSource, io: ForgetIo) {
  const eraser = await openEraser(source);
  try {
    if (eraser.migrated > 0)
      io.errors.write(`applied ${plural(eraser.migrated, 'pending migration')} to ${eraser.where}\n`);
    const preview = await eraser.forget(selector, { dryRun: true });
    if (!preview) {
      const what = 'id' in selector ? `with id ${selector.id}` : `with domain ${selector.domain}`;
      io.errors.write(`no account ${what} in ${eraser.where}\n`);
      return 1;
    }
    io.output.write(`${describe('will erase', preview).join('\n')}\n`);
    if (!yes) {
      if (!io.input.isTTY) {
        io.errors.write('nothing erased: stdin is not a terminal to ask on; run again with --yes to erase\n');
        return 1;
      }
      const answer = await ask(io, `erase ${preview.accountId}? type yes to confirm: `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.errors.write('nothing erased\n');
        return 1;
      }
    }
    // Looked up again by the same selector: what was listed is what is erased, plus anything that
    // arrived for the account meanwhile (the report counts it).
    const report = await eraser.forget(selector);
    if (!report) {
      io.errors.write(`${preview.accountId} was erased meanwhile by someone else\n`);
      return 1;
    }
    io.output.write(`${describe('forgot', report).join('\n')}\n`);
    return 0;
  } finally {
    await eraser.close();
  }
}

function describe(verb: 'will erase' | 'forgot', report: ForgetReport): string[] {
  const who = report.domain ? `${report.accountId} (${report.domain})` : report.accountId;
  const lines = [
    `${verb} ${who}: ${plural(report.events, 'event')}, ${plural(report.users, 'user')}, ${plural(report.alerts, 'alert')} (${plural(report.alertEvents, 'audit row')}, ${plural(report.outbox, 'Slack message')} queued or sent, ${plural(report.webhookDeliveries, 'webhook delivery', 'webhook deliveries')}${report.crmLinks > 0 ? `, ${plural(report.crmLinks, 'HubSpot link')}` : ''})`,
  ];
  if (report.crmCompanyId)
    lines.push(
      `note: pls does not delete what it wrote to HubSpot; still there: the pls properties, tasks and notes on company ${report.crmCompanyId}`,
    );
  const posted = report.postedMessages;
  if (posted.length > 0) {
    const where = posted.map((m) => `${m.channel} ts ${m.ts}`).join(', ');
    lines.push(
      posted.length === 1
        ? `note: pls does not delete what it already posted; still in Slack: the alert message ${where} and its thread`
        : `note: pls does not delete what it already posted; still in Slack: the alert messages ${where} and their threads`,
    );
  }
  return lines;
}

/** One line from the terminal; end of input is no. */
function ask(io: ForgetIo, question: string): Promise<string> {
  const lines = createInterface({ input: io.input, output: io.errors, terminal: false });
  return new Promise((resolve) => {
    let answered = false;
    lines.once('close', () => {
      if (!answered) resolve('');
    });
    lines.question(question, (answer) => {
      answered = true;
      lines.close();
      resolve(answer);
    });
  });
}
