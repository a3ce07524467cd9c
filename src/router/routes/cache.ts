/**
 * `DELETE /v1/cache`: withdraws the opt-in to the response cache by deleting
 * every cached answer of the account at once (docs/cache.md, "Purge"). Any
 * key of the account may call it, inference or manage scope: whoever can
 * fill the cache can empty it. Answers 503 `limiter_unavailable` when the
 * account's limiter object, which holds the entries, cannot be reached.
 */
import { Hono } from "hono";
import { cachePurge } from "../../limits/client";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

export const cacheRoutes = new Hono<AppEnv>().use(apiKeyAuth(["inference", "manage"])).delete("/", async (c) => {
  await cachePurge(c.env, c.get("auth").accountId);
  c.header("cache-control", "no-store");
  return c.json({ object: "cache.purge", purged: true });
});
