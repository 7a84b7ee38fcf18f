CREATE TABLE `webhook_deliveries` (
	`tenant_id` text NOT NULL,
	`source` text NOT NULL,
	`delivery_id` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`tenant_id`, `source`, `delivery_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received_idx` ON `webhook_deliveries` (`received_at`);--> statement-breakpoint
ALTER TABLE `connectwise_connections` ADD `callback_id` integer;--> statement-breakpoint
ALTER TABLE `connectwise_connections` ADD `api_member_identifier` text;--> statement-breakpoint
ALTER TABLE `portal_connections` ADD `webhook_secret_ciphertext` text;