DROP INDEX `alerts_sla_report`;--> statement-breakpoint
ALTER TABLE `alerts` ADD `route` text;--> statement-breakpoint
ALTER TABLE `alerts` ADD `assigned_by` text;--> statement-breakpoint
CREATE INDEX `alerts_sla_report` ON `alerts` (`opened_at`,`tier`,`team_id`,`suggested_rep`,`claimed_by`,`assigned_by`,`state`,`outcome`,`tier_set_at`,`claim_due_at`,`first_touch_due_at`,`claimed_at`,`contacted_at`,`closed_at`,`first_touch_breached_at`,json_extract(`trigger`, '$.signalId'),`id`);
--> statement-breakpoint
UPDATE `alert_events` SET `data` = json_set(coalesce(`data`, '{}'), '$.rep', (select `claimed_by` from `alerts` where `alerts`.`id` = `alert_events`.`alert_id`)) WHERE `kind` = 'first_touch_breached' AND json_extract(`data`, '$.rep') is null;
