import { defineConfig } from "drizzle-kit";

// The logs database (binding LOGS_DB): request metadata, 30-day retention.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/logs-schema.ts",
  out: "./drizzle/logs",
});
