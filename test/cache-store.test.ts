/**
 * The response cache's store in the account's limiter object: what it keeps,
 * for how long by the object's clock, what its alarm deletes, and its bounds.
 * Entries here are opaque bytes: the object never sees plaintext (cache-crypto).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CACHE_CLOCK_SKEW_MS, CACHE_MAX_ENTRY_BYTES, CACHE_PURGE_MEMORY_MS, CACHE_MAX_TOTAL_BYTES, CACHE_SWEEP_DELAY_MS, ResponseCacheStore, type CacheEntry } from "../src/cache/store";
import type { AccountLimiter, AdmitRequest } from "../src/limits/limiter";
import { TIER_LIMITS } from "../src/limits/tiers";
import { CACHE_TTL_MS } from "../src/shared/retention";
import { limiterStub } from "./helpers/limiter";

const T0 = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;

const entry = (keyHash: string, createdAt: number, ttlMs: number, bytes = 16): CacheEntry => ({
  keyHash, createdAt, expiresAt: createdAt + ttlMs, ciphertext: new Uint8Array(bytes).fill(7).buffer, iv: new Uint8Array(12).buffer,
});

/** Runs `fn` on a fresh account's limiter object, its clock set to T0 (the test moves it through `at`). */
function withLimiter<T>(fn: (limiter: AccountLimiter, at: (ms: number) => void, store: ResponseCacheStore, accountId: string, sql: SqlStorage) => Promise<T> | T) {
  const accountId = `acct_cache_${crypto.randomUUID()}`;
  return runInDurableObject(limiterStub(accountId), (limiter: AccountLimiter, state) => {
    let now = T0;
    limiter.clock = () => now;
    return fn(limiter, (ms) => (now = ms), new ResponseCacheStore(state.storage.sql), accountId, state.storage.sql);
  });
}

const admission = (accountId: string, cacheKey?: string, maxPriceNano = 0): AdmitRequest => ({
  leaseId: crypto.randomUUID(), keyId: "key_a", accountId, account: TIER_LIMITS.pro, key: TIER_LIMITS.pro, tokens: 10,
  keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { asOf: T0, status: "active", tier: "pro", tierUntil: null },
  spend: { maxPriceNano, keyBudget: null }, ...(cacheKey === undefined ? {} : { cacheKey }),
});

const rowCount = (sql: SqlStorage) => sql.exec<{ n: number }>("select count(*) as n from cache_entries").one().n;

describe("the store", () => {
  it("returns what was put, by key, until its expiry and never at or after it", async () => {
    await withLimiter((_, __, store) => {
      expect(store.put(entry("k1", T0, 10_000), T0)).toBe(true);
      expect(store.get("k1", T0)?.expiresAt).toBe(T0 + 10_000);
      expect(new Uint8Array(store.get("k1", T0 + 9_999)!.ciphertext)[0]).toBe(7);
      expect(store.get("k1", T0 + 10_000)).toBeNull();
      expect(store.get("k2", T0)).toBeNull();
    });
  });

  it("refuses an entry living longer than 24 hours, one already expired, one from the future, and one over the entry bound", async () => {
    await withLimiter((_, __, store) => {
      expect(store.put(entry("long", T0, CACHE_TTL_MS + 1), T0)).toBe(false);
      expect(store.put(entry("day", T0, CACHE_TTL_MS), T0)).toBe(true);
      expect(store.put(entry("old", T0 - 20_000, 10_000), T0)).toBe(false);
      expect(store.put(entry("future", T0 + MINUTE, 10_000), T0)).toBe(false);
      expect(store.put(entry("big", T0, 10_000, CACHE_MAX_ENTRY_BYTES + 1), T0)).toBe(false);
      expect(store.put(entry("max", T0, 10_000, CACHE_MAX_ENTRY_BYTES), T0)).toBe(true);
      for (const k of ["long", "old", "future", "big"]) expect(store.get(k, T0)).toBeNull();
    });
  });

  it("keeps the account within its byte bound by evicting the entries closest to expiry, never the one just stored", async () => {
    await withLimiter((_, __, store, ___, sql) => {
      const count = CACHE_MAX_TOTAL_BYTES / CACHE_MAX_ENTRY_BYTES;
      for (let i = 0; i < count; i++) expect(store.put(entry(`e${i}`, T0, MINUTE + i * 1000, CACHE_MAX_ENTRY_BYTES), T0)).toBe(true);
      expect(rowCount(sql)).toBe(count);
      // One more: the entry closest to expiry (e0) goes; a short-lived newcomer stays.
      expect(store.put(entry("new", T0, 1000, CACHE_MAX_ENTRY_BYTES), T0)).toBe(true);
      expect(rowCount(sql)).toBe(count);
      expect(store.get("e0", T0)).toBeNull();
      expect(store.get("e1", T0)).not.toBeNull();
      expect(store.get("new", T0)).not.toBeNull();
      const total = sql.exec<{ t: number }>("select sum(size) as t from cache_entries").one().t;
      expect(total).toBeLessThanOrEqual(CACHE_MAX_TOTAL_BYTES);
    });
  });
});

describe("the limiter object's cache", () => {
  it("answers a stored entry with the admission (a hit needs no money), and nothing without a cache key", async () => {
    await withLimiter((limiter, _, __, accountId) => {
      const e = entry("hash_a", T0, 10_000);
      expect(limiter.cachePut(e)).toBe(true);
      // The account has no balance: a miss that would cost money is refused for it, a hit is admitted.
      expect(limiter.admit(admission(accountId, "hash_b", 1_000)).spendRefused).not.toBeNull();
      const hit = limiter.admit(admission(accountId, "hash_a", 1_000));
      expect(hit.refused === null && hit.spendRefused === null && hit.admitted).toBe(true);
      expect(hit.refused === null && hit.spendRefused === null ? hit.cached?.keyHash : null).toBe("hash_a");
      expect(limiter.creditState().reservedNano).toBe(0);
      const plain = limiter.admit(admission(accountId));
      expect("cached" in plain).toBe(false);
      // A hit counts against the request limits like any admission.
      expect(limiter.snapshot().admissions).toBe(2);
    });
  });

  it("never answers an entry past its expiry by the object's clock, and the alarm deletes it within minutes", async () => {
    const accountId = await withLimiter((limiter, at, _, id) => {
      limiter.cachePut(entry("hash_a", T0, 10_000));
      limiter.cachePut(entry("hash_b", T0, CACHE_TTL_MS));
      at(T0 + 10_000);
      const late = limiter.admit(admission(id, "hash_a"));
      expect(late.refused === null && late.spendRefused === null && late.cached).toBeUndefined();
      at(T0 + 10_000 + CACHE_SWEEP_DELAY_MS);
      return id;
    });
    expect(await runDurableObjectAlarm(limiterStub(accountId))).toBe(true);
    await runInDurableObject(limiterStub(accountId), (_: AccountLimiter, state) => {
      const keys = state.storage.sql.exec<{ key_hash: string }>("select key_hash from cache_entries").toArray().map((r) => r.key_hash);
      expect(keys).toEqual(["hash_b"]);
    });
  });

  it("schedules the sweep for a stored entry alone: no admission needed to set the alarm", async () => {
    const accountId = `acct_cache_${crypto.randomUUID()}`;
    const stored = entry("only", T0, 10_000);
    await runInDurableObject(limiterStub(accountId), async (limiter: AccountLimiter, state) => {
      let now = T0;
      limiter.clock = () => now;
      expect(await state.storage.getAlarm()).toBeNull();
      expect(limiter.cachePut(stored)).toBe(true);
      expect(await state.storage.getAlarm()).toBe(stored.expiresAt + CACHE_SWEEP_DELAY_MS);
      now = stored.expiresAt + CACHE_SWEEP_DELAY_MS;
    });
    expect(await runDurableObjectAlarm(limiterStub(accountId))).toBe(true);
    await runInDurableObject(limiterStub(accountId), (_: AccountLimiter, state) => {
      expect(rowCount(state.storage.sql)).toBe(0);
    });
  });

  it("purges every entry at once, and erasure deletes them too", async () => {
    await withLimiter(async (limiter, _, __, accountId, sql) => {
      limiter.cachePut(entry("a", T0, 10_000));
      limiter.cachePut(entry("b", T0, 20_000));
      limiter.cachePurge();
      expect(rowCount(sql)).toBe(0);
      limiter.cachePut(entry("c", T0, 10_000));
      await limiter.erase("pseudonym_cache");
      expect(rowCount(sql)).toBe(0);
      const after = limiter.admit(admission(accountId, "c"));
      expect(after.refused).not.toBeNull();
    });
  });

  it("refuses, after a purge, answers to requests received before it and answers cached by a key default an older view still held", async () => {
    await withLimiter(async (limiter, at, _, __, sql) => {
      at(T0 + MINUTE);
      limiter.cachePurge();
      const purgedAt = T0 + MINUTE;
      at(purgedAt + 30_000);
      const now = purgedAt + 30_000;
      // In flight when the purge ran: received before it.
      expect(limiter.cachePut(entry("inflight", now, 10_000), { requestedAt: purgedAt - 1_000, viewAsOf: purgedAt - 1_000, viaKeyDefault: false })).toBe(false);
      // Within the clock-skew guard of the purge: refused too.
      expect(limiter.cachePut(entry("close", now, 10_000), { requestedAt: purgedAt + CACHE_CLOCK_SKEW_MS, viewAsOf: purgedAt + CACHE_CLOCK_SKEW_MS, viaKeyDefault: false })).toBe(false);
      // A new opt-in by header after the purge is stored, whatever the view's age.
      expect(limiter.cachePut(entry("header", now, 10_000), { requestedAt: now - 1_000, viewAsOf: purgedAt - 1_000, viaKeyDefault: false })).toBe(true);
      // The key's default from a view read before the purge: the default may have been cleared since.
      expect(limiter.cachePut(entry("stale-default", now, 10_000), { requestedAt: now - 1_000, viewAsOf: purgedAt - 1_000, viaKeyDefault: true })).toBe(false);
      expect(limiter.cachePut(entry("fresh-default", now, 10_000), { requestedAt: now - 1_000, viewAsOf: now - 2_000, viaKeyDefault: true })).toBe(true);
      const keys = sql.exec<{ key_hash: string }>("select key_hash from cache_entries order by key_hash").toArray().map((r) => r.key_hash);
      expect(keys).toEqual(["fresh-default", "header"]);
    });
  });

  it("after erasure, refuses an answer still in flight when it ran", async () => {
    await withLimiter(async (limiter, at, _, __, sql) => {
      await limiter.erase("pseudonym_inflight");
      at(T0 + 30_000);
      expect(limiter.cachePut(entry("late", T0 + 30_000, 10_000), { requestedAt: T0 - 5_000, viewAsOf: T0 - 5_000, viaKeyDefault: false })).toBe(false);
      expect(rowCount(sql)).toBe(0);
    });
  });

  it("knows its next sweep after every write, though it reads the table only after one", async () => {
    await withLimiter((_, __, store) => {
      expect(store.nextSweep()).toBeNull();
      store.put(entry("late", T0, 20_000), T0);
      expect(store.nextSweep()).toBe(T0 + 20_000 + CACHE_SWEEP_DELAY_MS);
      store.put(entry("early", T0, 10_000), T0);
      expect(store.nextSweep()).toBe(T0 + 10_000 + CACHE_SWEEP_DELAY_MS);
      store.deleteExpired(T0 + 10_000);
      expect(store.nextSweep()).toBe(T0 + 20_000 + CACHE_SWEEP_DELAY_MS);
      store.purge(T0);
      // Nothing left to expire, but the purge is remembered until CACHE_PURGE_MEMORY_MS has passed.
      expect(store.nextSweep()).toBe(T0 + CACHE_PURGE_MEMORY_MS);
    });
  });

  it("reads its table for the next sweep once, not on every admission and release, when it holds nothing and was never purged", async () => {
    await withLimiter((_, __, ___, ____, sql) => {
      let reads = 0;
      const counted = new Proxy(sql, { get: (t, name) => (name === "exec" ? (...args: Parameters<SqlStorage["exec"]>) => (reads++, t.exec(...args)) : Reflect.get(t, name)) });
      const store = new ResponseCacheStore(counted);
      reads = 0;
      expect(store.nextSweep()).toBeNull();
      const first = reads;
      for (let i = 0; i < 5; i++) expect(store.nextSweep()).toBeNull();
      expect(first).toBeGreaterThan(0);
      expect(reads).toBe(first);
    });
  });

  it("forgets the last purge once no request from before it can still be running, and then has no row", async () => {
    const accountId = await withLimiter((limiter, at, _, id) => {
      limiter.cachePurge();
      at(T0 + CACHE_PURGE_MEMORY_MS);
      return id;
    });
    expect(await runDurableObjectAlarm(limiterStub(accountId))).toBe(true);
    await runInDurableObject(limiterStub(accountId), (limiter: AccountLimiter, state) => {
      expect(state.storage.sql.exec<{ n: number }>("select count(*) as n from cache_purges").one().n).toBe(0);
      // Forgotten: an answer to a request from before that purge would now be stored.
      expect(limiter.cachePut(entry("old", T0 + CACHE_PURGE_MEMORY_MS, 10_000), { requestedAt: T0 - 1, viewAsOf: T0 - 1, viaKeyDefault: false })).toBe(true);
    });
  });
});
