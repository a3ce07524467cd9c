import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type CoreDb = ReturnType<typeof coreDb>;

/** Drizzle over the core D1 database. Query functions take this as an argument. */
export function coreDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
