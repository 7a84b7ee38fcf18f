ALTER TABLE `portal_connections` ADD `identity_checked_at` text;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `board_checked_at` text;--> statement-breakpoint
ALTER TABLE `ticket_links` ADD `cw_create_attempted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_links` ADD `portal_snapshot` text;--> statement-breakpoint
-- A link without a ticket may hide an orphan of a create made before this column existed.
UPDATE `ticket_links` SET `cw_create_attempted` = 1 WHERE `cw_ticket_id` IS NULL;
