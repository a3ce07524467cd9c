/** Cache entries for tests: sealed as the router seals them, stored through the account's limiter object. */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { accountCacheKey, sealEntry } from "../../src/cache/crypto";
import { cacheKey } from "../../src/cache/key";
import type { CacheEntry } from "../../src/cache/store";
import { limiterStub } from "./limiter";

/** The account's cache salt as D1 holds it; undefined when the row is gone. */
export async function cacheSaltOf(accountId: string): Promise<string | null | undefined> {
  const row = await env.DB.prepare("select cache_salt from accounts where id = ?").bind(accountId).first<{ cache_salt: string | null }>();
  return row === null ? undefined : row.cache_salt;
}

/**
 * Seals `answer` under the account's data key (CACHE_MASTER_KEY and the salt
 * read from D1), for a request whose prompt is `prompt`, and stores it in the
 * account's limiter object; throws unless the object kept it.
 */
export async function storeCachedAnswer(accountId: string, prompt: string, answer: string, ttlMs = 60_000): Promise<CacheEntry> {
  const salt = await cacheSaltOf(accountId);
  if (!salt) throw new Error(`account ${accountId} has no cache salt`);
  const body = { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: prompt }] };
  const keyHash = await cacheKey({ accountId, format: "openai-chat", body, euOnly: false });
  const now = Date.now();
  const entry = await sealEntry(await accountCacheKey(env.CACHE_MASTER_KEY, salt, accountId), answer, { keyHash, createdAt: now, expiresAt: now + ttlMs });
  if (!(await limiterStub(accountId).cachePut(entry))) throw new Error("the limiter declined the entry");
  return entry;
}

/** How many rows the account's limiter object holds in cache_entries. */
export function cacheRowCount(accountId: string): Promise<number> {
  return runInDurableObject(limiterStub(accountId), (_, state) => state.storage.sql.exec<{ n: number }>("select count(*) as n from cache_entries").one().n);
}
