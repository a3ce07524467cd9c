/**
 * Sealed cache entries: they open with the account's key only, and any change
 * to the ciphertext or to what the additional data binds (key hash, times)
 * makes them fail to open.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountCacheKey, newCacheSalt, openEntry, sealEntry } from "../src/cache/crypto";
import type { CacheEntry } from "../src/cache/store";

const T0 = Date.UTC(2030, 0, 1);
const at = { keyHash: "a".repeat(64), createdAt: T0, expiresAt: T0 + 60_000 };
const answer = JSON.stringify({ id: "chatcmpl-1", choices: [{ message: { role: "assistant", content: "canary-7f3a" } }] });

describe("cache entry encryption", () => {
  it("round-trips, and the ciphertext holds no plaintext", async () => {
    const key = await accountCacheKey(env.CACHE_MASTER_KEY, newCacheSalt(), "acct_1");
    const sealed = await sealEntry(key, answer, at);
    expect(sealed).toMatchObject(at);
    expect(new TextDecoder().decode(sealed.ciphertext)).not.toContain("canary-7f3a");
    expect(await openEntry(key, sealed)).toBe(answer);
  });

  it("does not open with another account's key, another salt (an erased salt), or another master key", async () => {
    const salt = newCacheSalt();
    const sealed = await sealEntry(await accountCacheKey(env.CACHE_MASTER_KEY, salt, "acct_1"), answer, at);
    expect(await openEntry(await accountCacheKey(env.CACHE_MASTER_KEY, salt, "acct_2"), sealed)).toBeNull();
    expect(await openEntry(await accountCacheKey(env.CACHE_MASTER_KEY, newCacheSalt(), "acct_1"), sealed)).toBeNull();
    const otherMaster = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    expect(await openEntry(await accountCacheKey(otherMaster, salt, "acct_1"), sealed)).toBeNull();
  });

  it("does not open once its ciphertext, iv, key hash, expiry or creation time changed", async () => {
    const key = await accountCacheKey(env.CACHE_MASTER_KEY, newCacheSalt(), "acct_1");
    const sealed = await sealEntry(key, answer, at);
    const flipped = (buf: ArrayBuffer) => {
      const bytes = new Uint8Array(buf.slice(0));
      bytes[0] = bytes[0]! ^ 1;
      return bytes.buffer;
    };
    const tampered: CacheEntry[] = [
      { ...sealed, ciphertext: flipped(sealed.ciphertext) },
      { ...sealed, iv: flipped(sealed.iv) },
      { ...sealed, keyHash: "b".repeat(64) },
      { ...sealed, expiresAt: sealed.expiresAt + 3_600_000 },
      { ...sealed, createdAt: sealed.createdAt + 1 },
    ];
    for (const entry of tampered) expect(await openEntry(key, entry)).toBeNull();
  });

  it("refuses a master key shorter than 32 bytes", async () => {
    await expect(accountCacheKey(btoa("short"), newCacheSalt(), "acct_1")).rejects.toThrow(/CACHE_MASTER_KEY/);
  });
});
