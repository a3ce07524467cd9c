ALTER TABLE `accounts` ADD `cache_salt` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `cache_ttl` integer;--> statement-breakpoint
-- Accounts created before the cache get their salt here (new rows get one from the schema's default function).
UPDATE `accounts` SET `cache_salt` = lower(hex(randomblob(32))) WHERE `cache_salt` IS NULL;
