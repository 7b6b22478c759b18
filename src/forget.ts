import { plural } from './analysis/format.js';
import { ConfigError } from './config/config-error.js';
import { databasePathFrom, ENV_DEFAULTS, type EnvSource } from './config/env.js';
import { closeDatabase } from './db/client.js';
import {
  DataLifecycleError,
  type ForgetReport,
  forgetAccount,
  openExistingDatabase,
} from './db/data-lifecycle.js';

/**
 * `npm run forget -- <account id or domain>`: erases an account's data on request (README,
 * "Operating it").
 * Needs only the database (`DATABASE_URL`), never Slack. Exit 0 = erased, 1 = nothing erased
 * (unknown account, no database, bad DATABASE_URL), 2 = usage.
 */
const USAGE = `usage: npm run forget -- <account id or domain>
Erases everything pls holds about one account: its events, its people (those in no other
account), firmographics and score, and its alerts with their audit trail and Slack outbox.
Reads DATABASE_URL (default ${ENV_DEFAULTS.DATABASE_URL}).`;

function describeReport(report: ForgetReport): string[] {
  const who = report.domain ? `${report.accountId} (${report.domain})` : report.accountId;
  const lines = [
    `forgot ${who}: ${plural(report.events, 'event')}, ${plural(report.users, 'user')}, ${plural(report.alerts, 'alert')} (${plural(report.alertEvents, 'audit row')}, ${plural(report.outbox, 'Slack message')} queued or sent)`,
  ];
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

function main(args: readonly string[], source: EnvSource): number {
  const [accountRef, ...extra] = args;
  if (!accountRef?.trim() || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const path = databasePathFrom(source);
  const { db, migrated } = openExistingDatabase(path);
  try {
    if (migrated > 0) process.stderr.write(`applied ${plural(migrated, 'pending migration')} to ${path}\n`);
    const report = forgetAccount(db, accountRef.trim());
    if (!report) {
      process.stderr.write(`no account ${accountRef.trim()} in ${path} (give an account id or a domain)\n`);
      return 1;
    }
    // Moves the erased pages out of the WAL into the (secure-deleted) file; best effort while the bot runs.
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    process.stdout.write(`${describeReport(report).join('\n')}\n`);
    return 0;
  } finally {
    closeDatabase(db);
  }
}

try {
  process.exitCode = main(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof ConfigError || error instanceof DataLifecycleError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
    process.stderr.write(
      'the database stayed locked by another writer for 5 s; nothing was erased, try again\n',
    );
    process.exitCode = 1;
  } else {
    throw error;
  }
}
