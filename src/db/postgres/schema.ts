import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { RouteNote } from '../../domain/routing.js';
import type { AccountPatch, UserPatch } from '../../domain/usage-event.js';
import { alertStates } from '../schema.js';

/**
 * The same tables, columns and indexes as the SQLite schema (src/db/schema.ts, which documents
 * each; test/unit/db/schema-parity.test.ts holds the two together), in Postgres's types: times
 * are `bigint` milliseconds read as numbers, scores `double precision`, JSON documents `jsonb`.
 */

/** Epoch milliseconds: past 2^31, and well inside a double's exact integers. */
const millis = (name: string) => bigint(name, { mode: 'number' });

export const accounts = pgTable(
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
    owner: text('owner'),
    firstSeenAt: millis('first_seen_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
    state: jsonb('state'),
    score: doublePrecision('score').notNull().default(0),
    tier: text('tier', { enum: ['hot', 'warm', 'cold'] })
      .notNull()
      .default('cold'),
    scoredAt: millis('scored_at'),
  },
  (t) => [index('accounts_domain').on(t.domain)],
);

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email'),
  name: text('name'),
  title: text('title'),
  updatedAt: millis('updated_at').notNull(),
});

export const accountUsers = pgTable(
  'account_users',
  {
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    events: integer('events').notNull().default(0),
    lastSeenAt: millis('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] })],
);

/** Where `events.applied_seq` comes from: taken when an event is applied, not when it is stored. */
export const eventsApplied = pgSequence('events_applied');

export const events = pgTable(
  'events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull(),
    source: text('source', { enum: ['webhook', 'segment'] }).notNull(),
    type: text('type').notNull(),
    accountId: text('account_id'),
    userId: text('user_id'),
    occurredAt: millis('occurred_at').notNull(),
    receivedAt: millis('received_at').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull(),
    accountPatch: jsonb('account_patch').$type<AccountPatch>(),
    userPatch: jsonb('user_patch').$type<UserPatch>(),
    processedAt: millis('processed_at'),
    processingError: text('processing_error'),
    appliedSeq: bigint('applied_seq', { mode: 'number' }),
  },
  (t) => [
    uniqueIndex('events_id').on(t.id),
    index('events_unprocessed').on(t.seq).where(sql`processed_at is null`),
    index('events_account').on(t.accountId, t.occurredAt),
    index('events_received').on(t.receivedAt),
  ],
);

export const alerts = pgTable(
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
    messageTs: text('message_ts'),
    suggestedRep: text('suggested_rep'),
    route: jsonb('route').$type<RouteNote>(),
    claimedBy: text('claimed_by'),
    assignedBy: text('assigned_by'),
    claimedAt: millis('claimed_at'),
    contactedAt: millis('contacted_at'),
    closedAt: millis('closed_at'),
    outcome: text('outcome'),
    outcomeDetail: jsonb('outcome_detail').$type<Record<string, unknown>>(),
    trigger: jsonb('trigger').notNull(),
    baseScore: doublePrecision('base_score').notNull(),
    score: doublePrecision('score').notNull(),
    openedAt: millis('opened_at').notNull(),
    tierSetAt: millis('tier_set_at').notNull(),
    claimDueAt: millis('claim_due_at').notNull(),
    firstTouchDueAt: millis('first_touch_due_at'),
    policy: jsonb('policy').notNull(),
    escalationCursor: integer('escalation_cursor').notNull().default(0),
    nextEscalationAt: millis('next_escalation_at'),
    escalationSteps: integer('escalation_steps').notNull().default(0),
    escalatedAt: millis('escalated_at'),
    lapses: text('lapses'),
    firstTouchBreachedAt: millis('first_touch_breached_at'),
    backOffPromptedAt: millis('back_off_prompted_at'),
    snoozedUntil: millis('snoozed_until'),
    snoozedMs: millis('snoozed_ms').notNull().default(0),
    updatedAt: millis('updated_at').notNull(),
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
      sql`(${t.trigger} ->> 'signalId')`,
      t.id,
    ),
    index('alerts_suggested').on(t.suggestedRep, t.openedAt),
    index('alerts_held').on(t.claimedBy).where(sql`state in ('claimed', 'contacted')`),
    index('alerts_snoozed').on(t.snoozedUntil).where(sql`snoozed_until is not null`),
  ],
);

export const alertEvents = pgTable(
  'alert_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    alertId: text('alert_id').notNull(),
    at: millis('at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor'),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('alert_events_alert').on(t.alertId, t.seq)],
);

export const outbox = pgTable(
  'outbox',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    alertId: text('alert_id'),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: millis('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: millis('next_attempt_at').notNull(),
    attemptedAt: millis('attempted_at'),
    sentAt: millis('sent_at'),
    failedAt: millis('failed_at'),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_pending').on(t.seq).where(sql`sent_at is null and failed_at is null`),
    index('outbox_alert').on(t.alertId, t.seq),
  ],
);

/** Outbound webhook deliveries: src/db/schema.ts says what each column holds. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    messageId: text('message_id').notNull(),
    url: text('url').notNull(),
    type: text('type').notNull(),
    accountId: text('account_id'),
    alertId: text('alert_id'),
    payload: text('payload').notNull(),
    createdAt: millis('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: millis('next_attempt_at').notNull(),
    sentAt: millis('sent_at'),
    failedAt: millis('failed_at'),
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

/** See src/db/schema.ts. */
export const crmAccounts = pgTable('crm_accounts', {
  accountId: text('account_id').primaryKey(),
  /** The domain asked about: a new domain is asked about again. */
  domain: text('domain').notNull(),
  /** Null when HubSpot has no company with the domain. */
  companyId: text('company_id'),
  ownerId: text('owner_id'),
  ownerEmail: text('owner_email'),
  slackUser: text('slack_user'),
  checkedAt: millis('checked_at').notNull(),
});

export const crmTasks = pgTable(
  'crm_tasks',
  {
    alertId: text('alert_id').primaryKey(),
    accountId: text('account_id').notNull(),
    taskId: text('task_id').notNull(),
    /** The HubSpot owner it is assigned to. */
    ownerId: text('owner_id'),
    createdAt: millis('created_at').notNull(),
  },
  (t) => [index('crm_tasks_account').on(t.accountId)],
);

/** The note pls left with an alert's outcome: one per alert, so a retry never leaves a second. */
export const crmNotes = pgTable(
  'crm_notes',
  {
    alertId: text('alert_id').primaryKey(),
    accountId: text('account_id').notNull(),
    noteId: text('note_id').notNull(),
    createdAt: millis('created_at').notNull(),
  },
  (t) => [index('crm_notes_account').on(t.accountId)],
);

export const repStatus = pgTable('rep_status', {
  repId: text('rep_id').primaryKey(),
  ooo: boolean('ooo').notNull().default(false),
  updatedAt: millis('updated_at').notNull(),
});

export const rateLimits = pgTable('rate_limits', {
  scope: text('scope').primaryKey(),
  until: millis('until').notNull(),
});

export const dailyTicks = pgTable('daily_ticks', {
  day: integer('day').primaryKey(),
  cursor: text('cursor').notNull().default(''),
  finishedAt: millis('finished_at'),
});
