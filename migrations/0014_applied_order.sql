CREATE TABLE `rate_limits` (
	`scope` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `events` ADD `applied_seq` integer;--> statement-breakpoint
-- Events applied before this column existed were applied in seq order (one writer).
UPDATE `events` SET `applied_seq` = `seq` WHERE `processed_at` IS NOT NULL;
