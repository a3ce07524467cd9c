CREATE TABLE `request_logs` (
	`request_id` text PRIMARY KEY NOT NULL,
	`account_id` text,
	`key_id` text,
	`endpoint` text NOT NULL,
	`method` text NOT NULL,
	`model` text,
	`provider` text,
	`upstream_model` text,
	`attempts` integer NOT NULL,
	`received_at` integer NOT NULL,
	`first_byte_at` integer,
	`completed_at` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`status` integer NOT NULL,
	`error_code` text,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cached_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost_nano_usd` integer NOT NULL,
	`streamed` integer NOT NULL,
	`client_aborted` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	`edge_location` text,
	`logged_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `request_logs_received_at_idx` ON `request_logs` (`received_at`);--> statement-breakpoint
CREATE INDEX `request_logs_account_idx` ON `request_logs` (`account_id`,`received_at`);