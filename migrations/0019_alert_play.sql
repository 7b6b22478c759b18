DROP INDEX `alerts_one_open_per_account`;--> statement-breakpoint
DROP INDEX `alerts_sla_report`;--> statement-breakpoint
ALTER TABLE `alerts` ADD `play` text DEFAULT 'new_business' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_one_open_per_play` ON `alerts` (`account_id`,`play`) WHERE state <> 'closed';--> statement-breakpoint
CREATE INDEX `alerts_sla_report` ON `alerts` (`opened_at`,`tier`,`team_id`,`suggested_rep`,`claimed_by`,`assigned_by`,`state`,`outcome`,`tier_set_at`,`claim_due_at`,`first_touch_due_at`,`claimed_at`,`contacted_at`,`closed_at`,`first_touch_breached_at`,`escalation_steps`,`escalated_at`,`lapses`,`play`,json_extract(`trigger`, '$.signalId'),`id`);