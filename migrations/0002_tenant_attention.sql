ALTER TABLE `tenants` ADD `attention_reason` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `attention_since` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `probe_after` text;