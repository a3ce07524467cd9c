/**
 * Console page views (table `console_page_views`): one count per UTC day and
 * route pattern, nothing that identifies a visitor. Counted only for those
 * who allowed analytics in the cookie banner.
 */
import { lt, sql } from "drizzle-orm";
import type { CoreDb } from "./client";
import { consolePageViews } from "./schema";

/** Adds one view of `page` (a route pattern such as "/logs/:id") on `day` (YYYY-MM-DD). */
export async function countPageView(db: CoreDb, day: string, page: string): Promise<void> {
  await db
    .insert(consolePageViews)
    .values({ day, page, views: 1 })
    .onConflictDoUpdate({ target: [consolePageViews.day, consolePageViews.page], set: { views: sql`${consolePageViews.views} + 1` } });
}

/** Retention: counts of days before `firstKeptDay`. A year's rows are a few thousand at most: one statement. */
export async function purgePageViewsBefore(db: CoreDb, firstKeptDay: string): Promise<number> {
  const res = await db.delete(consolePageViews).where(lt(consolePageViews.day, firstKeptDay)).run();
  return res.meta.changes;
}
