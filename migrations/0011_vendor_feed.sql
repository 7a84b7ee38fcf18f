CREATE TABLE `vendor_feed` (
	`id` text PRIMARY KEY NOT NULL,
	`credential_ciphertext` text NOT NULL,
	`webhook_secret_ciphertext` text,
	`export_cursor` text,
	`last_poll_at` text,
	`last_poll_result` text,
	`last_poll_ok_at` text,
	`events_routed` integer DEFAULT 0 NOT NULL,
	`events_unrouted` integer DEFAULT 0 NOT NULL,
	`tickets_queued` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
