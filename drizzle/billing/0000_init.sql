CREATE TABLE `billing_receipts` (
	`request_id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`model` text NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cached_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost_nano_usd` integer NOT NULL,
	`billed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_receipts_run_idx` ON `billing_receipts` (`run_id`);--> statement-breakpoint
CREATE INDEX `billing_receipts_billed_at_idx` ON `billing_receipts` (`billed_at`);--> statement-breakpoint
CREATE TABLE `usage_ledger` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`model` text NOT NULL,
	`requests` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cached_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost_nano_usd` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `model`)
);
--> statement-breakpoint
CREATE INDEX `usage_ledger_day_idx` ON `usage_ledger` (`day`);