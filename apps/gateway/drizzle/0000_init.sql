CREATE TABLE "account_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"account_id" text NOT NULL,
	"group_id" text NOT NULL,
	"priority" integer,
	CONSTRAINT "account_groups_account_group_unique" UNIQUE("account_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"platform" text NOT NULL,
	"base_url" text NOT NULL,
	"credential_ciphertext" text NOT NULL,
	"credential_fingerprint" text NOT NULL,
	"auth_style" text DEFAULT 'bearer' NOT NULL,
	"models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"model_mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"concurrency" integer DEFAULT 3 NOT NULL,
	"priority" integer DEFAULT 50 NOT NULL,
	"weight" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"schedulable" boolean DEFAULT true NOT NULL,
	"cooldown_until" timestamp with time zone,
	"cooldown_reason" text,
	"last_error" text,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text NOT NULL,
	"group_id" text NOT NULL,
	"name" text NOT NULL,
	"key_prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"expires_at" timestamp with time zone,
	"quota_micros" bigint,
	"quota_used_micros" bigint DEFAULT 0 NOT NULL,
	"rpm_limit" integer DEFAULT 0 NOT NULL,
	"tpm_limit" integer DEFAULT 0 NOT NULL,
	"concurrency_limit" integer DEFAULT 0 NOT NULL,
	"allowed_models" jsonb,
	"ip_allow" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ip_deny" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_used_at" timestamp with time zone,
	"rotated_from" text,
	"grace_until" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" text PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channel_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"channel_id" text NOT NULL,
	"group_id" text NOT NULL,
	CONSTRAINT "channel_groups_group_unique" UNIQUE("group_id")
);
--> statement-breakpoint
CREATE TABLE "channels" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"restrict_models" boolean DEFAULT false NOT NULL,
	"model_mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"billing_model" text DEFAULT 'requested' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"platform" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"billing_mode" text DEFAULT 'balance' NOT NULL,
	"rate_multiplier_micros" bigint DEFAULT 1000000 NOT NULL,
	"rpm_limit" integer DEFAULT 0 NOT NULL,
	"tpm_limit" integer DEFAULT 0 NOT NULL,
	"daily_limit_micros" bigint,
	"weekly_limit_micros" bigint,
	"monthly_limit_micros" bigint,
	"model_aliases" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "groups_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"key" text PRIMARY KEY NOT NULL,
	"request_hash" text NOT NULL,
	"state" text DEFAULT 'in_progress' NOT NULL,
	"response_status" integer,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone DEFAULT now() + interval '24 hours' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prices" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"model" text NOT NULL,
	"channel_id" text,
	"input_micros" bigint DEFAULT 0 NOT NULL,
	"output_micros" bigint DEFAULT 0 NOT NULL,
	"cache_read_micros" bigint DEFAULT 0 NOT NULL,
	"cache_write_micros" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "prices_channel_model_unique" UNIQUE NULLS NOT DISTINCT("channel_id","model")
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text NOT NULL,
	"group_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"daily_used_micros" bigint DEFAULT 0 NOT NULL,
	"daily_window_start" timestamp with time zone,
	"weekly_used_micros" bigint DEFAULT 0 NOT NULL,
	"weekly_window_start" timestamp with time zone,
	"monthly_used_micros" bigint DEFAULT 0 NOT NULL,
	"monthly_window_start" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "usage_events" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"api_key_id" text NOT NULL,
	"user_id" text NOT NULL,
	"group_id" text NOT NULL,
	"account_id" text,
	"channel_id" text,
	"endpoint" text NOT NULL,
	"model_requested" text NOT NULL,
	"model_upstream" text,
	"stream" boolean DEFAULT false NOT NULL,
	"status_code" integer NOT NULL,
	"error_code" text,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"cached_tokens" integer DEFAULT 0 NOT NULL,
	"usage_estimated" boolean DEFAULT false NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"charged_micros" bigint DEFAULT 0 NOT NULL,
	"latency_ms" integer DEFAULT 0 NOT NULL,
	"ttft_ms" integer,
	"attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_events_request_id_unique" UNIQUE("request_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"status" text DEFAULT 'active' NOT NULL,
	"balance_micros" bigint DEFAULT 0 NOT NULL,
	"concurrency_limit" integer DEFAULT 10 NOT NULL,
	"rpm_limit" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_groups" ADD CONSTRAINT "account_groups_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_groups" ADD CONSTRAINT "account_groups_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_groups" ADD CONSTRAINT "channel_groups_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_groups" ADD CONSTRAINT "channel_groups_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prices" ADD CONSTRAINT "prices_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_groups_group_idx" ON "account_groups" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "account_groups_labels_gin" ON "account_groups" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "accounts_labels_gin" ON "accounts" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "api_keys_group_idx" ON "api_keys" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "api_keys_labels_gin" ON "api_keys" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "audit_events_resource_idx" ON "audit_events" USING btree ("resource_type","resource_id");--> statement-breakpoint
CREATE INDEX "audit_events_created_idx" ON "audit_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "channel_groups_channel_idx" ON "channel_groups" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "channel_groups_labels_gin" ON "channel_groups" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "channels_labels_gin" ON "channels" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "groups_labels_gin" ON "groups" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "idempotency_records_expires_idx" ON "idempotency_records" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "prices_labels_gin" ON "prices" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "subscriptions_user_group_idx" ON "subscriptions" USING btree ("user_id","group_id");--> statement-breakpoint
CREATE INDEX "subscriptions_labels_gin" ON "subscriptions" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "usage_events_created_idx" ON "usage_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "usage_events_key_idx" ON "usage_events" USING btree ("api_key_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_events_user_idx" ON "usage_events" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_events_group_idx" ON "usage_events" USING btree ("group_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_events_account_idx" ON "usage_events" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "users_labels_gin" ON "users" USING gin ("labels");