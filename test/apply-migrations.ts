import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Storage is isolated per test file; every file starts from migrated databases.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.LOGS_DB, env.TEST_LOGS_MIGRATIONS);
await applyD1Migrations(env.BILLING_DB, env.TEST_BILLING_MIGRATIONS);
