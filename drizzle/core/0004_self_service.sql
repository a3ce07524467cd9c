CREATE TABLE `erasures` (
	`subject_hash` text PRIMARY KEY NOT NULL,
	`erased_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `accounts` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `restricted_at` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `pending_email` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `revoked_reason` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `replaced_by` text;