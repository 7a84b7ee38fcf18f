CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`scope` text NOT NULL,
	`created_by` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_uq` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_tenant_idx` ON `api_tokens` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text,
	`user_id` text,
	`action` text NOT NULL,
	`target` text,
	`detail` text DEFAULT '' NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_idx` ON `audit_log` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `comment_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`portal_ticket_id` integer NOT NULL,
	`origin` text NOT NULL,
	`portal_comment_id` integer,
	`cw_note_id` integer,
	`content_hash` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `comment_links_portal_uq` ON `comment_links` (`tenant_id`,`portal_ticket_id`,`portal_comment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `comment_links_cw_uq` ON `comment_links` (`tenant_id`,`portal_ticket_id`,`cw_note_id`);--> statement-breakpoint
CREATE INDEX `comment_links_hash_idx` ON `comment_links` (`tenant_id`,`portal_ticket_id`,`content_hash`);--> statement-breakpoint
CREATE TABLE `configuration_matches` (
	`tenant_id` text NOT NULL,
	`cluster_id` text NOT NULL,
	`match_field` text NOT NULL,
	`cw_configuration_id` integer,
	`cw_company_id` integer,
	`fetched_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `match_field`, `cluster_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `connectwise_connections` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`site` text NOT NULL,
	`company_id` text NOT NULL,
	`codebase` text,
	`public_key` text NOT NULL,
	`client_id` text NOT NULL,
	`secrets_ciphertext` text NOT NULL,
	`status` text DEFAULT 'connected' NOT NULL,
	`status_reason` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text,
	`queue` text NOT NULL,
	`message_id` text NOT NULL,
	`body` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`replay_state` text DEFAULT 'new' NOT NULL,
	`replayed_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `failures_message_uq` ON `failures` (`queue`,`message_id`);--> statement-breakpoint
CREATE INDEX `failures_tenant_idx` ON `failures` (`tenant_id`,`replay_state`,`id`);--> statement-breakpoint
CREATE TABLE `portal_connections` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`base_url` text NOT NULL,
	`auth_mode` text NOT NULL,
	`email` text,
	`secrets_ciphertext` text NOT NULL,
	`access_token_expires_at` text,
	`cluster_field_id` integer,
	`status` text DEFAULT 'connected' NOT NULL,
	`status_reason` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `priority_mappings` (
	`tenant_id` text NOT NULL,
	`portal_value` text NOT NULL,
	`cw_priority_id` integer NOT NULL,
	`cw_priority_name` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `portal_value`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `run_tickets` (
	`run_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`portal_ticket_id` integer NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	PRIMARY KEY(`run_id`, `portal_ticket_id`),
	FOREIGN KEY (`run_id`) REFERENCES `sync_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`last_seen_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `status_mappings` (
	`tenant_id` text NOT NULL,
	`portal_value` text NOT NULL,
	`cw_status_id` integer NOT NULL,
	`cw_status_name` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `portal_value`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`message` text,
	`started_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`finished_at` text,
	`listing_complete` integer DEFAULT false NOT NULL,
	`tickets_seen` integer DEFAULT 0 NOT NULL,
	`tickets_created` integer DEFAULT 0 NOT NULL,
	`tickets_updated` integer DEFAULT 0 NOT NULL,
	`notes_mirrored` integer DEFAULT 0 NOT NULL,
	`comments_mirrored` integer DEFAULT 0 NOT NULL,
	`warnings` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`portal_calls` integer DEFAULT 0 NOT NULL,
	`cw_calls` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sync_runs_tenant_idx` ON `sync_runs` (`tenant_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `sync_runs_status_idx` ON `sync_runs` (`tenant_id`,`status`);--> statement-breakpoint
CREATE TABLE `tenant_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`board_id` integer,
	`board_name` text,
	`default_company_id` integer,
	`default_company_name` text,
	`match_field` text DEFAULT 'serialNumber' NOT NULL,
	`sync_from` text,
	`comments_public` integer DEFAULT false NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`hook_id` text NOT NULL,
	`portal_cursor` text,
	`cw_cursor` text,
	`alert_webhook_url` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_slug_uq` ON `tenants` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_hook_id_uq` ON `tenants` (`hook_id`);--> statement-breakpoint
CREATE INDEX `tenants_status_idx` ON `tenants` (`status`,`paused`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`portal_ticket_id` integer NOT NULL,
	`cw_ticket_id` integer,
	`run_id` text,
	`action` text NOT NULL,
	`detail` text DEFAULT '' NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_idx` ON `ticket_events` (`tenant_id`,`portal_ticket_id`,`id`);--> statement-breakpoint
CREATE TABLE `ticket_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`portal_ticket_id` integer NOT NULL,
	`cw_ticket_id` integer,
	`state` text DEFAULT 'pending' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`synced_fields` text DEFAULT '{}' NOT NULL,
	`warnings` text DEFAULT '[]' NOT NULL,
	`last_error` text,
	`portal_updated_at` text,
	`cw_updated_at` text,
	`last_cw_note_id` integer DEFAULT 0 NOT NULL,
	`resync_requested` integer DEFAULT false NOT NULL,
	`last_synced_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_links_portal_uq` ON `ticket_links` (`tenant_id`,`portal_ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_links_cw_idx` ON `ticket_links` (`tenant_id`,`cw_ticket_id`);--> statement-breakpoint
CREATE INDEX `ticket_links_state_idx` ON `ticket_links` (`tenant_id`,`state`,`updated_at`);--> statement-breakpoint
CREATE INDEX `ticket_links_updated_idx` ON `ticket_links` (`tenant_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `ticket_links_resync_idx` ON `ticket_links` (`tenant_id`,`resync_requested`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`tenant_id` text,
	`must_change_password` integer DEFAULT false NOT NULL,
	`failed_sign_ins` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_uq` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_tenant_idx` ON `users` (`tenant_id`);