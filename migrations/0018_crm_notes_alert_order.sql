CREATE TABLE `crm_notes` (
	`alert_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`note_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `crm_notes_account` ON `crm_notes` (`account_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_alert` ON `webhook_deliveries` (`alert_id`,`seq`);