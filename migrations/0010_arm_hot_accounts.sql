-- Arming (src/domain/account-step.ts) ships: an account whose crossing into hot was suppressed
-- because its data arrived stale now alerts on its next fresh activity. An account already hot
-- when this ships may have lost its crossing that way: it is armed when it was never alerted
-- and some of its events arrived more than 24 h late (the default stale_after), the only way
-- such a crossing is lost. The manifest's rules still apply when it fires. `text` null: the
-- alert says what makes it hot now.
UPDATE `accounts`
SET `state` = json_set(`state`, '$.armed', json_object('at', `scored_at`, 'text', NULL, 'signalId', NULL))
WHERE `tier` = 'hot'
  AND `state` IS NOT NULL
  AND json_extract(`state`, '$.armed') IS NULL
  AND NOT EXISTS (SELECT 1 FROM `alerts` WHERE `alerts`.`account_id` = `accounts`.`id`)
  AND EXISTS (
    SELECT 1 FROM `events`
    WHERE `events`.`account_id` = `accounts`.`id` AND `events`.`received_at` - `events`.`occurred_at` > 86400000
  );
