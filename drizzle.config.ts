import { defineConfig } from "drizzle-kit";

// One config per D1 database; this is the core one (binding DB).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./drizzle/core",
});
