-- Emails become unique case-insensitively. Existing addresses are lower-cased
-- first, except where two accounts differ only in case: those stay as they are
-- and the unique index below then fails, stopping the migration, because which
-- account keeps the address (with its keys and billing) is the operator's call.
-- Find them with:
--   SELECT lower(email), group_concat(id) FROM accounts GROUP BY lower(email) HAVING count(*) > 1;
-- change or close one of each pair, then apply the migrations again.
UPDATE `accounts` SET `email` = lower(`email`)
WHERE `email` <> lower(`email`)
  AND NOT EXISTS (SELECT 1 FROM `accounts` AS `other` WHERE `other`.`id` <> `accounts`.`id` AND lower(`other`.`email`) = lower(`accounts`.`email`));--> statement-breakpoint
DROP INDEX `accounts_email_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_email_lower_unique` ON `accounts` (lower("email"));
