-- Arming (src/domain/account-step.ts) ships: an account whose crossing into hot was suppressed
-- because its data arrived stale now alerts on its next fresh activity. Accounts already hot
-- when this ships may have lost their crossing that way, so they are armed too, unless an alert
-- of theirs is open or opened in the last 14 days (the default cooldown; the manifest's own
-- rules still apply when the account fires). `text` null: the alert says what makes it hot now.
UPDATE `accounts`
SET `state` = json_set(`state`, '$.armed', json_object('at', `scored_at`, 'text', NULL, 'signalId', NULL))
WHERE `tier` = 'hot'
  AND `state` IS NOT NULL
  AND json_extract(`state`, '$.armed') IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `alerts`
    WHERE `alerts`.`account_id` = `accounts`.`id`
      AND (`alerts`.`state` <> 'closed' OR `alerts`.`opened_at` > unixepoch('now') * 1000 - 14 * 86400000)
  );
