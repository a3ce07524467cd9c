CREATE TABLE `catalogue_versions` (
	`version` integer PRIMARY KEY NOT NULL,
	`document` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`actor` text NOT NULL,
	`comment` text
);
