import { defineConfig } from "drizzle-kit";

// The billing database (binding BILLING_DB): usage ledger, 7-year retention.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/billing-schema.ts",
  out: "./drizzle/billing",
});
