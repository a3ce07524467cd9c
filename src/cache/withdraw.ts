/**
 * Withdrawing the opt-in (DELETE /v1/cache, clearing a key's cache_ttl):
 * every cached answer of the account goes at once, and stays unreadable.
 *
 * The object's SQLite deletes the rows, but the engine may keep the deleted
 * bytes in free pages until they are reused (Durable Objects allow no
 * `secure_delete`), and Cloudflare keeps point-in-time copies. So the
 * account's salt is replaced first: whatever ciphertext survives anywhere
 * was sealed under a key that can no longer be derived (crypto-shredding),
 * as erasure does by deleting the salt. Then the object deletes the rows.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { CoreDb } from "../db/client";
import { accounts } from "../db/schema";
import { cachePurge, type LimiterEnv } from "../limits/client";
import { newCacheSalt } from "./crypto";

/**
 * Replaces the account's salt (a closed account's null salt stays null),
 * then purges its entries; throws 503 (with `message`) when the object
 * cannot be reached. Callers evict their isolate's auth cache: its view
 * holds the old salt.
 */
export async function withdrawCache(db: CoreDb, limiter: LimiterEnv, accountId: string, message?: string): Promise<void> {
  await db.update(accounts).set({ cacheSalt: newCacheSalt() }).where(and(eq(accounts.id, accountId), isNotNull(accounts.cacheSalt)));
  await cachePurge(limiter, accountId, message);
}
