/**
 * Erasure and closure take the account's response cache with them
 * (docs/erasure.md, docs/cache.md): every cache_entries row of its limiter
 * object is deleted, and its cache salt is gone, so an entry sealed under it
 * could not be opened even if one survived. Another account's entries stay.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountCacheKey, openEntry } from "../src/cache/crypto";
import { cacheRowCount, cacheSaltOf, storeCachedAnswer } from "./helpers/cache";
import { call, newCustomer } from "./helpers/router";

const asKey = (key: string, method: string, path: string) => call(path, { method, headers: { authorization: `Bearer ${key}` } });

describe("the response cache at erasure and closure", () => {
  it("DELETE /v1/account?erase=now deletes the account's entries and its salt; another account's entries still open", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const saltA = (await cacheSaltOf(a.accountId))!;
    const entryA = await storeCachedAnswer(a.accountId, "question", "the answer");
    const entryB = await storeCachedAnswer(b.accountId, "question", "b's answer");
    // Before: the entry is there and opens with the key derived from the salt D1 holds.
    expect(await cacheRowCount(a.accountId)).toBe(1);
    expect(await openEntry(await accountCacheKey(env.CACHE_MASTER_KEY, saltA, a.accountId), entryA)).toBe("the answer");

    expect((await asKey(a.key, "DELETE", "/v1/account?erase=now")).status).toBe(200);

    expect(await cacheRowCount(a.accountId)).toBe(0);
    expect(await cacheSaltOf(a.accountId)).toBeUndefined();
    // Without the salt the account's data key cannot be derived again: a key from any other salt opens nothing.
    expect(await openEntry(await accountCacheKey(env.CACHE_MASTER_KEY, (await cacheSaltOf(b.accountId))!, a.accountId), entryA)).toBeNull();
    expect(await cacheRowCount(b.accountId)).toBe(1);
    expect(await openEntry(await accountCacheKey(env.CACHE_MASTER_KEY, (await cacheSaltOf(b.accountId))!, b.accountId), entryB)).toBe("b's answer");
  });

  it("closure (DELETE /v1/account) deletes the account's entries at once and clears its salt, before the 90-day erasure", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    await storeCachedAnswer(a.accountId, "q1", "a1");
    await storeCachedAnswer(a.accountId, "q2", "a2");
    await storeCachedAnswer(b.accountId, "q1", "a1");

    expect((await asKey(a.key, "DELETE", "/v1/account")).status).toBe(200);

    expect(await cacheRowCount(a.accountId)).toBe(0);
    expect(await cacheSaltOf(a.accountId)).toBeNull();
    expect(await cacheRowCount(b.accountId)).toBe(1);
    expect(await cacheSaltOf(b.accountId)).toMatch(/^[0-9a-f]{64}$/);
  });
});
