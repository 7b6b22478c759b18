CREATE TABLE "crm_notes" (
	"alert_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"note_id" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "crm_notes_account" ON "crm_notes" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_alert" ON "webhook_deliveries" USING btree ("alert_id","seq");