ALTER TABLE `alerts` ADD `next_escalation_at` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `first_touch_breached_at` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `back_off_prompted_at` integer;--> statement-breakpoint
CREATE INDEX `alerts_next_escalation` ON `alerts` (`next_escalation_at`) WHERE next_escalation_at is not null;--> statement-breakpoint
CREATE INDEX `alerts_first_touch_due` ON `alerts` (`first_touch_due_at`) WHERE state = 'claimed' and first_touch_breached_at is null;--> statement-breakpoint
CREATE INDEX `alerts_contacted` ON `alerts` (`contacted_at`) WHERE state = 'contacted';