import type { LiveAlert, StoredEvent } from '../../../src/db/history.js';
import { closeDatabase, openDatabase } from '../../../src/db/sqlite/client.js';

/**
 * Writes a history into a pls database file, through the real migrations: the events as ingest
 * stores them (in `seq` order) and the live alerts as the bot leaves them (closed ones with their
 * outcome, each with its `opened` audit row naming the trigger it opened with). What
 * `npm run replay` and `npm run calibrate` read; the SLA and Slack columns nobody replays get
 * plausible constants.
 */
export function writeHistoryDatabase(
  path: string,
  events: readonly StoredEvent[],
  liveAlerts: readonly LiveAlert[],
): void {
  const db = openDatabase(path);
  const sqlite = db.$client;
  const insertEvent = sqlite.prepare(
    `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, processed_at, properties, account_patch, user_patch)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAlert = sqlite.prepare(
    `insert into alerts (id, account_id, state, tier, team_id, channel, closed_at, outcome, outcome_detail, trigger,
                         base_score, score, opened_at, tier_set_at, claim_due_at, policy, updated_at)
     values (?, ?, ?, ?, ?, 'C0HISTORY', ?, ?, ?, ?, 0, 0, ?, ?, ?, '{}', ?)`,
  );
  const insertOpened = sqlite.prepare(
    `insert into alert_events (alert_id, at, kind, data) values (?, ?, 'opened', ?)`,
  );
  try {
    sqlite.transaction(() => {
      for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
        insertEvent.run(
          e.id,
          e.source,
          e.type,
          e.accountId,
          e.userId,
          e.occurredAt,
          e.receivedAt,
          e.processedAt,
          e.properties,
          e.accountPatch,
          e.userPatch,
        );
      }
      for (const a of liveAlerts) {
        insertAlert.run(
          a.id,
          a.accountId,
          a.closedAt === null ? 'open' : 'closed',
          a.tier,
          a.teamId,
          a.closedAt,
          a.outcome,
          a.outcomeDetail === null ? null : JSON.stringify(a.outcomeDetail),
          JSON.stringify(a.trigger),
          a.openedAt,
          a.openedAt,
          a.openedAt + 3_600_000,
          a.closedAt ?? a.openedAt,
        );
        insertOpened.run(a.id, a.openedAt, JSON.stringify({ trigger: a.openingTrigger ?? a.trigger }));
      }
    })();
  } finally {
    closeDatabase(db);
  }
}
