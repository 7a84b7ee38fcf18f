ALTER TABLE `portal_connections` ADD `portal_user_id` integer;--> statement-breakpoint
ALTER TABLE `status_mappings` ADD `cw_status_closed` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_links` ADD `cw_closed` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `ticket_links_open_idx` ON `ticket_links` (`tenant_id`,`cw_closed`,`cw_ticket_id`);