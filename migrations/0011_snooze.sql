ALTER TABLE `alerts` ADD `snoozed_until` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `snoozed_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `alerts_snoozed` ON `alerts` (`snoozed_until`) WHERE snoozed_until is not null;