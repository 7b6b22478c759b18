CREATE TABLE "crm_accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"company_id" text,
	"owner_id" text,
	"owner_email" text,
	"slack_user" text,
	"checked_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_tasks" (
	"alert_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"task_id" text NOT NULL,
	"owner_id" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "crm_tasks_account" ON "crm_tasks" USING btree ("account_id");