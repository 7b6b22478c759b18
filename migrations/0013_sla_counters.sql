DROP INDEX `alert_events_escalation`;--> statement-breakpoint
DROP INDEX `alerts_sla_report`;--> statement-breakpoint
ALTER TABLE `alerts` ADD `escalation_steps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `escalated_at` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `lapses` text;--> statement-breakpoint
UPDATE `alerts` SET `escalation_steps` = (SELECT count(*) FROM `alert_events` e WHERE e.`alert_id` = `alerts`.`id` AND e.`kind` = 'escalation');--> statement-breakpoint
UPDATE `alerts` SET `escalated_at` = (SELECT min(e.`at`) FROM `alert_events` e WHERE e.`alert_id` = `alerts`.`id` AND e.`kind` = 'escalation' AND json_extract(e.`data`, '$.step') = 'escalate');--> statement-breakpoint
UPDATE `alerts` SET `lapses` = (SELECT group_concat(e.`kind` || ':' || coalesce(json_extract(e.`data`, '$.rep'), ''), ' ') FROM (SELECT * FROM `alert_events` ORDER BY `seq`) e WHERE e.`alert_id` = `alerts`.`id` AND e.`kind` IN ('claim_lapsed', 'first_touch_breached'));--> statement-breakpoint
CREATE INDEX `alerts_sla_report` ON `alerts` (`opened_at`,`tier`,`team_id`,`suggested_rep`,`claimed_by`,`assigned_by`,`state`,`outcome`,`tier_set_at`,`claim_due_at`,`first_touch_due_at`,`claimed_at`,`contacted_at`,`closed_at`,`first_touch_breached_at`,`escalation_steps`,`escalated_at`,`lapses`,json_extract(`trigger`, '$.signalId'),`id`);
