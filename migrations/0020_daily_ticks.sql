CREATE TABLE `daily_ticks` (
	`day` integer PRIMARY KEY NOT NULL,
	`cursor` text DEFAULT '' NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
-- Falling metrics ship (active_users_change_28d, sessions_change_28d): each scored account's
-- state gains its users' active days and its daily sessions over the 28 days before its last
-- event, rebuilt from the stored events as scoring would have kept them (src/domain/account-state.ts:
-- `userDays` is [latest day, bitmap of the 28 days up to it] per user; `sessionDays` counts per day).
UPDATE `accounts`
SET `state` = json_set(
  `state`,
  '$.userDays',
  json(coalesce((
    SELECT json_group_object(`user_id`, json_array(`last`, `bits`)) FROM (
      SELECT `user_id`, max(`last`) AS `last`, sum(1 << (`last` - `day`)) AS `bits`, max(`latest`) AS `latest` FROM (
        SELECT `user_id`, `day`, max(`day`) OVER (PARTITION BY `user_id`) AS `last`, max(`day`) OVER () AS `latest` FROM (
          SELECT DISTINCT `e`.`user_id`,
                 CAST(min(`e`.`occurred_at`, `e`.`processed_at`) / 86400000 AS INTEGER) AS `day`
          FROM `events` `e`
          WHERE `e`.`account_id` = `accounts`.`id` AND `e`.`user_id` IS NOT NULL
            AND `e`.`type` NOT IN ('identify', 'group', 'plan_changed')
            AND `e`.`processed_at` IS NOT NULL AND `e`.`processing_error` IS NULL
            AND `e`.`occurred_at` > json_extract(`accounts`.`state`, '$.lastEventAt') - 56 * 86400000
        )
      ) WHERE `last` - `day` < 28 GROUP BY `user_id`
    ) WHERE `latest` - `last` < 28
  ), '{}')),
  '$.sessionDays',
  json(coalesce((
    SELECT json_group_object(`day`, `n`) FROM (
      SELECT CAST(CAST(min(`e`.`occurred_at`, `e`.`processed_at`) / 86400000 AS INTEGER) AS TEXT) AS `day`, count(*) AS `n`
      FROM `events` `e`
      WHERE `e`.`account_id` = `accounts`.`id` AND `e`.`type` = 'session_started'
        AND `e`.`processed_at` IS NOT NULL AND `e`.`processing_error` IS NULL
        AND min(`e`.`occurred_at`, `e`.`processed_at`) / 86400000 >= (`accounts`.`scored_at` - 28 * 86400000) / 86400000
      GROUP BY 1
    )
  ), '{}'))
)
WHERE `state` IS NOT NULL AND json_extract(`state`, '$.userDays') IS NULL;
