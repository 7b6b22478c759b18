CREATE TABLE `account_users` (
	`account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`events` integer DEFAULT 0 NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `account_users_rank` ON `account_users` (`account_id`,`events`);--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`domain` text,
	`plan` text,
	`employees` integer,
	`industry` text,
	`country` text,
	`timezone` text,
	`owner` text,
	`first_seen_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`state` text,
	`score` real DEFAULT 0 NOT NULL,
	`tier` text DEFAULT 'cold' NOT NULL,
	`scored_at` integer
);
--> statement-breakpoint
CREATE INDEX `accounts_domain` ON `accounts` (`domain`);--> statement-breakpoint
CREATE INDEX `accounts_score` ON `accounts` (`score`);--> statement-breakpoint
CREATE TABLE `alert_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`actor` text,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `alert_events_alert` ON `alert_events` (`alert_id`,`seq`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`state` text NOT NULL,
	`tier` text NOT NULL,
	`team_id` text NOT NULL,
	`channel` text NOT NULL,
	`message_ts` text,
	`suggested_rep` text,
	`claimed_by` text,
	`claimed_at` integer,
	`contacted_at` integer,
	`closed_at` integer,
	`outcome` text,
	`outcome_detail` text,
	`trigger` text NOT NULL,
	`base_score` real NOT NULL,
	`score` real NOT NULL,
	`opened_at` integer NOT NULL,
	`tier_set_at` integer NOT NULL,
	`claim_due_at` integer NOT NULL,
	`first_touch_due_at` integer,
	`policy` text NOT NULL,
	`escalation_cursor` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_one_open_per_account` ON `alerts` (`account_id`) WHERE state <> 'closed';--> statement-breakpoint
CREATE INDEX `alerts_account` ON `alerts` (`account_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `alerts_state` ON `alerts` (`state`,`claim_due_at`);--> statement-breakpoint
CREATE INDEX `alerts_opened` ON `alerts` (`opened_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`source` text NOT NULL,
	`type` text NOT NULL,
	`account_id` text,
	`user_id` text,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`properties` text NOT NULL,
	`account_patch` text,
	`user_patch` text,
	`processed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id` ON `events` (`id`);--> statement-breakpoint
CREATE INDEX `events_unprocessed` ON `events` (`seq`) WHERE processed_at is null;--> statement-breakpoint
CREATE INDEX `events_account` ON `events` (`account_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_received` ON `events` (`received_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_id` text,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`sent_at` integer,
	`failed_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`next_attempt_at`,`seq`) WHERE sent_at is null and failed_at is null;--> statement-breakpoint
CREATE INDEX `outbox_alert` ON `outbox` (`alert_id`,`seq`);--> statement-breakpoint
CREATE TABLE `rep_status` (
	`rep_id` text PRIMARY KEY NOT NULL,
	`ooo` integer DEFAULT false NOT NULL,
	`routed` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`name` text,
	`title` text,
	`updated_at` integer NOT NULL
);
