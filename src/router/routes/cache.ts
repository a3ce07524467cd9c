/**
 * `DELETE /v1/cache`: withdraws the opt-in to the response cache by deleting
 * every cached answer of the account at once (docs/cache.md, "Purge"). Any
 * key of the account may call it, inference or manage scope: whoever can
 * fill the cache can empty it. The account's cache salt is replaced too
 * (src/cache/withdraw.ts), so no copy of a deleted entry can be opened.
 * Answers 503 `limiter_unavailable` when the
 * account's limiter object, which holds the entries, cannot be reached.
 */
import { Hono } from "hono";
import { withdrawCache } from "../../cache/withdraw";
import { coreDb } from "../../db/client";
import { evictAccount } from "../auth-cache";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

export const cacheRoutes = new Hono<AppEnv>().use(apiKeyAuth(["inference", "manage"])).delete("/", async (c) => {
  const { accountId } = c.get("auth");
  try {
    await withdrawCache(coreDb(c.env.DB), c.env, accountId);
  } finally {
    // This isolate's views hold the replaced salt.
    evictAccount(accountId);
  }
  c.header("cache-control", "no-store");
  return c.json({ object: "cache.purge", purged: true });
});
