CREATE TABLE `credit_ledger` (
	`entry_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount_nano_usd` integer NOT NULL,
	`provider_cost_nano_usd` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`paid_minor` integer,
	`currency` text,
	`reference` text,
	`note` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `credit_ledger_account_idx` ON `credit_ledger` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `credit_ledger_reference_idx` ON `credit_ledger` (`reference`);--> statement-breakpoint
ALTER TABLE `billing_receipts` ADD `provider_cost_nano_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_ledger` ADD `provider_cost_nano_usd` integer DEFAULT 0 NOT NULL;