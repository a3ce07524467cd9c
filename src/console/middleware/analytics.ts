/**
 * Counts a page view, only for visitors who allowed analytics in the cookie
 * banner: one count per UTC day and route pattern ("/logs/:id", never the
 * path with its ids), with nothing that identifies the visitor. Written
 * after the response (waitUntil), so a page never waits for it.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { coreDb } from "../../db/client";
import { countPageView } from "../../db/page-views";
import { errorSummary } from "../../shared/errors";
import { utcDay } from "../../shared/retention";
import type { ConsoleAppEnv } from "../env";

export function analytics(): MiddlewareHandler<ConsoleAppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method !== "GET" || c.res.status !== 200 || c.get("preferences").analytics !== true) return;
    // After next(), the route index is the handler that answered.
    const pattern = routePath(c);
    if (!pattern.startsWith("/")) return;
    const count = countPageView(coreDb(c.env.DB), utcDay(Date.now()), pattern);
    c.executionCtx.waitUntil(count.catch((err: unknown) => console.error("page view count failed", errorSummary(err instanceof Error ? err : new Error(String(err))))));
  };
}
