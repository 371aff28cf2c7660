ALTER TABLE "accounts" ADD COLUMN "protocols" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_events" ADD COLUMN "translated_from" text;