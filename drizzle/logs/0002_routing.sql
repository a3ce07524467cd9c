ALTER TABLE `request_logs` ADD `route` text;--> statement-breakpoint
ALTER TABLE `request_logs` ADD `data_region` text;--> statement-breakpoint
ALTER TABLE `request_logs` ADD `attempt_log` text;