import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { RouteNote } from '../domain/routing.js';
import type { AccountPatch, UserPatch } from '../domain/usage-event.js';

/**
 * The whole schema. Times are integer milliseconds since the epoch (UTC); JSON columns hold
 * small documents whose shape lives in the domain module that owns them.
 */

/** Firmographics upserted from events, plus the live scoring state (kept incrementally). */
export const accounts = sqliteTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    name: text('name'),
    domain: text('domain'),
    plan: text('plan'),
    employees: integer('employees'),
    industry: text('industry'),
    country: text('country'),
    timezone: text('timezone'),
    /** CRM owner: a rep's email or Slack user id. */
    owner: text('owner'),
    firstSeenAt: integer('first_seen_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** `AccountState` (src/domain/account-state.ts) as JSON; null until the first scored event. */
    state: text('state', { mode: 'json' }),
    score: real('score').notNull().default(0),
    tier: text('tier', { enum: ['hot', 'warm', 'cold'] })
      .notNull()
      .default('cold'),
    scoredAt: integer('scored_at'),
  },
  // No index on score: nothing ranks accounts by it, and scoring moves it with every event.
  (t) => [index('accounts_domain').on(t.domain)],
);

/** People in the customer's product (not reps). */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email'),
  name: text('name'),
  title: text('title'),
  updatedAt: integer('updated_at').notNull(),
});

/** Who is active in which account: feeds "whom to talk to". */
export const accountUsers = sqliteTable(
  'account_users',
  {
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    events: integer('events').notNull().default(0),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  // No index on (account_id, events): every event moves its person's count, so one would be
  // rewritten per event; an account's people are read by the primary key and sorted (a few dozen).
  (t) => [primaryKey({ columns: [t.accountId, t.userId] })],
);

/**
 * Every acknowledged event. `seq` is the time-ordered key (insertion order, which is also the
 * processing order); `id` is the producer's idempotency key.
 */
export const events = sqliteTable(
  'events',
  {
    // A rowid alias, not AUTOINCREMENT: appends stay at the end of the b-tree and skip sqlite_sequence.
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    source: text('source', { enum: ['webhook', 'segment'] }).notNull(),
    type: text('type').notNull(),
    accountId: text('account_id'),
    userId: text('user_id'),
    occurredAt: integer('occurred_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    properties: text('properties', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Firmographics and person fields the event carried; the processor upserts them in order. */
    accountPatch: text('account_patch', { mode: 'json' }).$type<AccountPatch>(),
    userPatch: text('user_patch', { mode: 'json' }).$type<UserPatch>(),
    /** Null until the scoring processor has applied it; set in the same transaction as its effects. */
    processedAt: integer('processed_at'),
    /** Set when applying the event threw: it was set aside so the events behind it could flow. */
    processingError: text('processing_error'),
    /**
     * The order events were applied in, set with `processed_at`; replay follows it. On SQLite
     * it is `seq` (one writer stores and applies in seq order); on Postgres an event that
     * commits late is applied after later-numbered ones, so it comes from a sequence taken at
     * apply time.
     */
    appliedSeq: integer('applied_seq'),
  },
  (t) => [
    uniqueIndex('events_id').on(t.id),
    index('events_unprocessed').on(t.seq).where(sql`processed_at is null`),
    index('events_account').on(t.accountId, t.occurredAt),
    index('events_received').on(t.receivedAt),
  ],
);

export const alertStates = ['open', 'claimed', 'contacted', 'closed'] as const;
export type AlertState = (typeof alertStates)[number];

/** One alert per handoff; at most one not-closed alert per account (partial unique index). */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    /** The play that raised it (`new_business`, or a `plays:` id): one open alert per account and play. */
    play: text('play').notNull().default('new_business'),
    state: text('state', { enum: alertStates }).notNull(),
    tier: text('tier', { enum: ['hot', 'warm'] }).notNull(),
    teamId: text('team_id').notNull(),
    channel: text('channel').notNull(),
    /** Set once chat.postMessage succeeded; updates and thread replies wait for it. */
    messageTs: text('message_ts'),
    suggestedRep: text('suggested_rep'),
    /** How routing chose the suggested rep: outside the tier, or waiting for their hours. */
    route: text('route', { mode: 'json' }).$type<RouteNote>(),
    claimedBy: text('claimed_by'),
    /** The manager who handed the alert to its holder (`/pls assign`); null when they claimed it. */
    assignedBy: text('assigned_by'),
    claimedAt: integer('claimed_at'),
    contactedAt: integer('contacted_at'),
    closedAt: integer('closed_at'),
    /** How it ended: won, lost, no_response, not_a_fit, self_served. */
    outcome: text('outcome'),
    outcomeDetail: text('outcome_detail', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** `AlertTrigger` (src/domain/handoff.ts): the why-now moment. */
    trigger: text('trigger', { mode: 'json' }).notNull(),
    baseScore: real('base_score').notNull(),
    score: real('score').notNull(),
    openedAt: integer('opened_at').notNull(),
    /** When the current tier was set (opening or an upgrade in place): SLA clocks start here. */
    tierSetAt: integer('tier_set_at').notNull(),
    claimDueAt: integer('claim_due_at').notNull(),
    firstTouchDueAt: integer('first_touch_due_at'),
    /** Escalation policy frozen when the alert opened, and how many of its steps have run. */
    policy: text('policy', { mode: 'json' }).notNull(),
    escalationCursor: integer('escalation_cursor').notNull().default(0),
    /** When the step at the cursor falls due; null when the ladder is done or stopped (claimed). */
    nextEscalationAt: integer('next_escalation_at'),
    /** Escalation steps fired so far (each also an `escalation` row of alert_events): /pls sla reads it. */
    escalationSteps: integer('escalation_steps').notNull().default(0),
    /** When the ladder first escalated it to the managers (its `escalate` step); null if never. */
    escalatedAt: integer('escalated_at'),
    /**
     * The SLA lapses on record, "claim_lapsed:U0ANA first_touch_breached:" (an empty rep: nobody
     * held the clock), each also a row of alert_events: kept here so /pls sla reads the covering
     * index alone. Null while there is none.
     */
    lapses: text('lapses'),
    /** Set when managers were told of a first-touch breach (once). */
    firstTouchBreachedAt: integer('first_touch_breached_at'),
    /** Set when the claimer was prompted for an outcome before the back-off closes the alert. */
    backOffPromptedAt: integer('back_off_prompted_at'),
    /** Snoozed until then: clocks and the ladder are paused; null once the snooze has ended. */
    snoozedUntil: integer('snoozed_until'),
    /** Every snoozed millisecond so far: the ladder's clock starts this much later. */
    snoozedMs: integer('snoozed_ms').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('alerts_next_escalation').on(t.nextEscalationAt).where(sql`next_escalation_at is not null`),
    index('alerts_first_touch_due')
      .on(t.firstTouchDueAt)
      .where(sql`state = 'claimed' and first_touch_breached_at is null`),
    index('alerts_contacted').on(t.contactedAt).where(sql`state = 'contacted'`),
    uniqueIndex('alerts_one_open_per_play').on(t.accountId, t.play).where(sql`state <> 'closed'`),
    index('alerts_account').on(t.accountId, t.openedAt),
    index('alerts_state').on(t.state, t.claimDueAt),
    index('alerts_opened').on(t.openedAt),
    // Covers /pls sla's query (src/db/sla-report-query.ts): the report reads the index alone, not
    // 10,000 rows and their JSON. Entries change only when these columns do (claims, closes).
    index('alerts_sla_report').on(
      t.openedAt,
      t.tier,
      t.teamId,
      t.suggestedRep,
      t.claimedBy,
      t.assignedBy,
      t.state,
      t.outcome,
      t.tierSetAt,
      t.claimDueAt,
      t.firstTouchDueAt,
      t.claimedAt,
      t.contactedAt,
      t.closedAt,
      t.firstTouchBreachedAt,
      t.escalationSteps,
      t.escalatedAt,
      t.lapses,
      t.play,
      sql`json_extract(${t.trigger}, '$.signalId')`,
      t.id,
    ),
    index('alerts_suggested').on(t.suggestedRep, t.openedAt),
    // What each rep holds (routing's capacity check): a covering pass over held alerts only.
    index('alerts_held').on(t.claimedBy).where(sql`state in ('claimed', 'contacted')`),
    index('alerts_snoozed').on(t.snoozedUntil).where(sql`snoozed_until is not null`),
  ],
);

/** Append-only audit trail of every alert state change. */
export const alertEvents = sqliteTable(
  'alert_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    alertId: text('alert_id').notNull(),
    at: integer('at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor'),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('alert_events_alert').on(t.alertId, t.seq)],
);

/**
 * Slack calls that change what people see, written in the same transaction as the state change
 * that causes them and drained in order per alert by the outbox sender.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    alertId: text('alert_id'),
    kind: text('kind').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /**
     * Set (and committed) just before a post goes to Slack, cleared when Slack answered with an
     * error. Still set on a later attempt = the outcome of the last one is unknown (a crash or a
     * lost connection): the sender looks for the post in Slack before sending it again.
     */
    attemptedAt: integer('attempted_at'),
    sentAt: integer('sent_at'),
    /** Set when Slack answered with a permanent error: never retried. */
    failedAt: integer('failed_at'),
    lastError: text('last_error'),
  },
  (t) => [
    // The sender reads pending rows in seq order: an index led by seq serves it without ANALYZE.
    index('outbox_pending').on(t.seq).where(sql`sent_at is null and failed_at is null`),
    index('outbox_alert').on(t.alertId, t.seq),
  ],
);

/**
 * Outbound webhook deliveries (README, "Outbound webhooks"): one row per event and endpoint,
 * queued in the unit of work that made the change, sent apart from Slack's outbox with its own
 * retries. `message_id` is the Standard Webhooks `webhook-id`, the same on every retry (and for
 * every endpoint told of the event), so a receiver can deduplicate; `payload` is the body as
 * signed, kept as text so a retry sends the same bytes.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    messageId: text('message_id').notNull(),
    url: text('url').notNull(),
    type: text('type').notNull(),
    accountId: text('account_id'),
    alertId: text('alert_id'),
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due; while one is under way, when it is given up for lost. */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    sentAt: integer('sent_at'),
    /** Set when the receiver said it is gone (410) or every retry failed: never tried again. */
    failedAt: integer('failed_at'),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_message').on(t.messageId, t.url),
    index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`sent_at is null and failed_at is null`),
    index('webhook_deliveries_account').on(t.accountId),
    // A row waits for the unsettled rows of its alert queued before it (per alert, in order).
    index('webhook_deliveries_alert').on(t.alertId, t.seq),
    // Retention deletes settled deliveries oldest first.
    index('webhook_deliveries_created').on(t.createdAt),
  ],
);

/**
 * What HubSpot said about an account's company (README, "HubSpot"): found by the account's
 * domain, outside the scoring transaction, and asked again after `refresh_owner_after`. The owner
 * comes second to one an event names; `slack_user` is the owner's Slack user (by email), which
 * routing offers the alert first when they are a rep.
 */
export const crmAccounts = sqliteTable('crm_accounts', {
  accountId: text('account_id').primaryKey(),
  /** The domain asked about: a new domain is asked about again. */
  domain: text('domain').notNull(),
  /** Null when HubSpot has no company with the domain. */
  companyId: text('company_id'),
  ownerId: text('owner_id'),
  ownerEmail: text('owner_email'),
  slackUser: text('slack_user'),
  checkedAt: integer('checked_at').notNull(),
});

/** The HubSpot task pls made for an alert's claimer: moved, reassigned, closed and completed with the alert. */
export const crmTasks = sqliteTable(
  'crm_tasks',
  {
    alertId: text('alert_id').primaryKey(),
    accountId: text('account_id').notNull(),
    taskId: text('task_id').notNull(),
    /** The HubSpot owner it is assigned to. */
    ownerId: text('owner_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('crm_tasks_account').on(t.accountId)],
);

/** The note pls left with an alert's outcome: one per alert, so a retry never leaves a second. */
export const crmNotes = sqliteTable(
  'crm_notes',
  {
    alertId: text('alert_id').primaryKey(),
    accountId: text('account_id').notNull(),
    noteId: text('note_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('crm_notes_account').on(t.accountId)],
);

/** Per-rep routing state: out of office. */
export const repStatus = sqliteTable('rep_status', {
  repId: text('rep_id').primaryKey(),
  ooo: integer('ooo', { mode: 'boolean' }).notNull().default(false),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * A Slack rate limit every instance respects: a `429` pauses the scope (`outbox`) until
 * `until`, whichever instance was told.
 */
export const rateLimits = sqliteTable('rate_limits', {
  scope: text('scope').primaryKey(),
  until: integer('until').notNull(),
});

/**
 * The daily re-scores of plays whose metrics move with time (falling usage): one row per UTC day
 * ticked, its progress through the accounts (`cursor`: the last account id done) and when it
 * finished. Every instance ticks a day at most once: each page advances the cursor by
 * compare-and-set.
 */
export const dailyTicks = sqliteTable('daily_ticks', {
  day: integer('day').primaryKey(),
  cursor: text('cursor').notNull().default(''),
  finishedAt: integer('finished_at'),
});
