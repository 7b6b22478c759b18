DROP INDEX `outbox_pending`;--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`seq`) WHERE sent_at is null and failed_at is null;--> statement-breakpoint
CREATE INDEX `alerts_suggested` ON `alerts` (`suggested_rep`,`opened_at`);--> statement-breakpoint
ALTER TABLE `rep_status` DROP COLUMN `routed`;