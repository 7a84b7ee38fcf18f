ALTER TABLE `sync_runs` ADD `progress_at` text;--> statement-breakpoint
CREATE INDEX `run_tickets_ticket_idx` ON `run_tickets` (`tenant_id`,`portal_ticket_id`,`state`);