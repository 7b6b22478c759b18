CREATE TABLE "account_users" (
	"account_id" text NOT NULL,
	"user_id" text NOT NULL,
	"events" integer DEFAULT 0 NOT NULL,
	"last_seen_at" bigint NOT NULL,
	CONSTRAINT "account_users_account_id_user_id_pk" PRIMARY KEY("account_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"domain" text,
	"plan" text,
	"employees" integer,
	"industry" text,
	"country" text,
	"timezone" text,
	"owner" text,
	"first_seen_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"state" jsonb,
	"score" double precision DEFAULT 0 NOT NULL,
	"tier" text DEFAULT 'cold' NOT NULL,
	"scored_at" bigint
);
--> statement-breakpoint
CREATE TABLE "alert_events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alert_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"alert_id" text NOT NULL,
	"at" bigint NOT NULL,
	"kind" text NOT NULL,
	"actor" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"state" text NOT NULL,
	"tier" text NOT NULL,
	"team_id" text NOT NULL,
	"channel" text NOT NULL,
	"message_ts" text,
	"suggested_rep" text,
	"route" jsonb,
	"claimed_by" text,
	"assigned_by" text,
	"claimed_at" bigint,
	"contacted_at" bigint,
	"closed_at" bigint,
	"outcome" text,
	"outcome_detail" jsonb,
	"trigger" jsonb NOT NULL,
	"base_score" double precision NOT NULL,
	"score" double precision NOT NULL,
	"opened_at" bigint NOT NULL,
	"tier_set_at" bigint NOT NULL,
	"claim_due_at" bigint NOT NULL,
	"first_touch_due_at" bigint,
	"policy" jsonb NOT NULL,
	"escalation_cursor" integer DEFAULT 0 NOT NULL,
	"next_escalation_at" bigint,
	"escalation_steps" integer DEFAULT 0 NOT NULL,
	"escalated_at" bigint,
	"lapses" text,
	"first_touch_breached_at" bigint,
	"back_off_prompted_at" bigint,
	"snoozed_until" bigint,
	"snoozed_ms" bigint DEFAULT 0 NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"source" text NOT NULL,
	"type" text NOT NULL,
	"account_id" text,
	"user_id" text,
	"occurred_at" bigint NOT NULL,
	"received_at" bigint NOT NULL,
	"properties" jsonb NOT NULL,
	"account_patch" jsonb,
	"user_patch" jsonb,
	"processed_at" bigint,
	"processing_error" text
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"alert_id" text,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"attempted_at" bigint,
	"sent_at" bigint,
	"failed_at" bigint,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "rep_status" (
	"rep_id" text PRIMARY KEY NOT NULL,
	"ooo" boolean DEFAULT false NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text,
	"name" text,
	"title" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "accounts_domain" ON "accounts" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "alert_events_alert" ON "alert_events" USING btree ("alert_id","seq");--> statement-breakpoint
CREATE INDEX "alerts_next_escalation" ON "alerts" USING btree ("next_escalation_at") WHERE next_escalation_at is not null;--> statement-breakpoint
CREATE INDEX "alerts_first_touch_due" ON "alerts" USING btree ("first_touch_due_at") WHERE state = 'claimed' and first_touch_breached_at is null;--> statement-breakpoint
CREATE INDEX "alerts_contacted" ON "alerts" USING btree ("contacted_at") WHERE state = 'contacted';--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_open_per_account" ON "alerts" USING btree ("account_id") WHERE state <> 'closed';--> statement-breakpoint
CREATE INDEX "alerts_account" ON "alerts" USING btree ("account_id","opened_at");--> statement-breakpoint
CREATE INDEX "alerts_state" ON "alerts" USING btree ("state","claim_due_at");--> statement-breakpoint
CREATE INDEX "alerts_opened" ON "alerts" USING btree ("opened_at");--> statement-breakpoint
CREATE INDEX "alerts_sla_report" ON "alerts" USING btree ("opened_at","tier","team_id","suggested_rep","claimed_by","assigned_by","state","outcome","tier_set_at","claim_due_at","first_touch_due_at","claimed_at","contacted_at","closed_at","first_touch_breached_at","escalation_steps","escalated_at","lapses",("trigger" ->> 'signalId'),"id");--> statement-breakpoint
CREATE INDEX "alerts_suggested" ON "alerts" USING btree ("suggested_rep","opened_at");--> statement-breakpoint
CREATE INDEX "alerts_held" ON "alerts" USING btree ("claimed_by") WHERE state in ('claimed', 'contacted');--> statement-breakpoint
CREATE INDEX "alerts_snoozed" ON "alerts" USING btree ("snoozed_until") WHERE snoozed_until is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "events_id" ON "events" USING btree ("id");--> statement-breakpoint
CREATE INDEX "events_unprocessed" ON "events" USING btree ("seq") WHERE processed_at is null;--> statement-breakpoint
CREATE INDEX "events_account" ON "events" USING btree ("account_id","occurred_at");--> statement-breakpoint
CREATE INDEX "events_received" ON "events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "outbox_pending" ON "outbox" USING btree ("seq") WHERE sent_at is null and failed_at is null;--> statement-breakpoint
CREATE INDEX "outbox_alert" ON "outbox" USING btree ("alert_id","seq");