CREATE TABLE "daily_ticks" (
	"day" integer PRIMARY KEY NOT NULL,
	"cursor" text DEFAULT '' NOT NULL,
	"finished_at" bigint
);
--> statement-breakpoint
-- Falling metrics ship: each scored account's state gains its users' active days and its daily
-- sessions over the 28 days before its last event, rebuilt from the stored events (as
-- migrations/0020_daily_ticks.sql does on SQLite).
UPDATE "accounts" AS "a"
SET "state" = "a"."state"
  || jsonb_build_object('userDays', coalesce((
    SELECT jsonb_object_agg("user_id", jsonb_build_array("last", "bits")) FROM (
      SELECT "user_id", max("last") AS "last", sum(1::bigint << ("last" - "day")::int) AS "bits", max("latest") AS "latest" FROM (
        SELECT "user_id", "day", max("day") OVER (PARTITION BY "user_id") AS "last", max("day") OVER () AS "latest" FROM (
          SELECT DISTINCT "e"."user_id", (least("e"."occurred_at", "e"."processed_at") / 86400000)::bigint AS "day"
          FROM "events" "e"
          WHERE "e"."account_id" = "a"."id" AND "e"."user_id" IS NOT NULL
            AND "e"."type" NOT IN ('identify', 'group', 'plan_changed')
            AND "e"."processed_at" IS NOT NULL AND "e"."processing_error" IS NULL
            AND "e"."occurred_at" > ("a"."state" ->> 'lastEventAt')::bigint - 56 * 86400000::bigint
        ) "days"
      ) "spans" WHERE "last" - "day" < 28 GROUP BY "user_id"
    ) "users" WHERE "latest" - "last" < 28
  ), '{}'::jsonb))
  || jsonb_build_object('sessionDays', coalesce((
    SELECT jsonb_object_agg("day"::text, "n") FROM (
      SELECT (least("e"."occurred_at", "e"."processed_at") / 86400000)::bigint AS "day", count(*) AS "n"
      FROM "events" "e"
      WHERE "e"."account_id" = "a"."id" AND "e"."type" = 'session_started'
        AND "e"."processed_at" IS NOT NULL AND "e"."processing_error" IS NULL
        AND least("e"."occurred_at", "e"."processed_at") / 86400000 >= ("a"."scored_at" - 28 * 86400000::bigint) / 86400000
      GROUP BY 1
    ) "sessions"
  ), '{}'::jsonb))
WHERE "a"."state" IS NOT NULL AND NOT ("a"."state" ? 'userDays');
