import { drizzle } from "drizzle-orm/d1";
import * as billingSchema from "./billing-schema";
import * as logsSchema from "./logs-schema";
import * as schema from "./schema";

export type CoreDb = ReturnType<typeof coreDb>;

/** Drizzle over the core D1 database. Query functions take this as an argument. */
export function coreDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type LogsDb = ReturnType<typeof logsDb>;

/** Drizzle over the logs D1 database (request metadata). */
export function logsDb(d1: D1Database) {
  return drizzle(d1, { schema: logsSchema });
}

export type BillingDb = ReturnType<typeof billingDb>;

/** Drizzle over the billing D1 database (usage ledger). */
export function billingDb(d1: D1Database) {
  return drizzle(d1, { schema: billingSchema });
}
