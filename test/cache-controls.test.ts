/**
 * Withdrawing the opt-in to the response cache (docs/cache.md): DELETE
 * /v1/cache, and a key's default TTL (`cache_ttl`) in the key API, whose
 * clearing purges the account's entries. Entries are sealed and stored as
 * the router stores them (test/helpers/cache.ts); another account's stay.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/router/app";
import { clearAuthCache, getCached } from "../src/router/auth-cache";
import { sha256Hex } from "../src/shared/crypto";
import { cacheRowCount, cacheSaltOf, storeCachedAnswer } from "./helpers/cache";
import { createdKey, keysApi } from "./helpers/keys";
import { callWithLog } from "./helpers/log-capture";
import { call, errorOf, newCustomer } from "./helpers/router";

beforeEach(() => clearAuthCache());

const purge = (key: string, method = "DELETE") => call("/v1/cache", { method, headers: { authorization: `Bearer ${key}` } });
const cacheTtlOf = async (keyId: string) => (await env.DB.prepare("select cache_ttl from api_keys where id = ?").bind(keyId).first<{ cache_ttl: number | null }>())!.cache_ttl;

/** A router whose limiter objects all fail, as an unreachable Durable Object does. */
async function withBrokenLimiter(path: string, init: RequestInit): Promise<Response> {
  const failure = () => Promise.reject(new Error("Durable Object is overloaded"));
  const stub = { cachePurge: failure, recordAccess: failure };
  const ns = { idFromName: () => ({}), get: () => stub, jurisdiction: () => ns };
  const ctx = createExecutionContext();
  const res = await app.request(path, init, { ...env, LIMITER: ns as unknown as DurableObjectNamespace }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("DELETE /v1/cache", () => {
  it("deletes every cached answer of the account at once, and none of another account's", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    await storeCachedAnswer(a.accountId, "first", "one");
    await storeCachedAnswer(a.accountId, "second", "two");
    await storeCachedAnswer(b.accountId, "first", "one");
    expect([await cacheRowCount(a.accountId), await cacheRowCount(b.accountId)]).toEqual([2, 1]);
    const [saltA, saltB] = [await cacheSaltOf(a.accountId), await cacheSaltOf(b.accountId)];

    const res = await purge(a.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ object: "cache.purge", purged: true });
    expect([await cacheRowCount(a.accountId), await cacheRowCount(b.accountId)]).toEqual([0, 1]);
    // The salt is replaced, so no copy of a deleted entry can be opened; another account's is untouched.
    expect(await cacheSaltOf(a.accountId)).toMatch(/^[0-9a-f]{64}$/);
    expect(await cacheSaltOf(a.accountId)).not.toBe(saltA);
    expect(await cacheSaltOf(b.accountId)).toBe(saltB);
    // Idempotent: nothing left to delete is still a success.
    expect((await purge(a.key)).status).toBe(200);
  });

  it("takes any key of the account: inference-only and manage-only alike", async () => {
    const owner = await newCustomer();
    const inferenceOnly = await createdKey(owner.key, { name: "inference", scopes: ["inference"] });
    const manageOnly = await createdKey(owner.key, { name: "manage", scopes: ["manage"] });
    for (const key of [inferenceOnly.key, manageOnly.key]) {
      await storeCachedAnswer(owner.accountId, "q", "a");
      expect((await purge(key)).status).toBe(200);
      expect(await cacheRowCount(owner.accountId)).toBe(0);
    }
  });

  it("refuses a request without a valid key, and another method with 405 and Allow", async () => {
    expect((await call("/v1/cache", { method: "DELETE" })).status).toBe(401);
    const { key } = await newCustomer();
    const res = await purge(key, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("DELETE");
    expect((await errorOf(res)).code).toBe("method_not_allowed");
  });

  it("answers 503 limiter_unavailable with Retry-After when the entries cannot be reached", async () => {
    const { key } = await newCustomer();
    const res = await withBrokenLimiter("/v1/cache", { method: "DELETE", headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await errorOf(res)).toMatchObject({ code: "limiter_unavailable", type: "api_error" });
  });

  it("is logged under the endpoint `cache`, with the account", async () => {
    const { key, accountId } = await newCustomer();
    const logged = await callWithLog("/v1/cache", { method: "DELETE", headers: { authorization: `Bearer ${key}` } });
    expect(logged.response.status).toBe(200);
    const [event] = await logged.settled();
    expect(event).toMatchObject({ endpoint: "cache", method: "DELETE", status: 200, account_id: accountId, model: null });
  });
});

describe("a key's default cache TTL (cache_ttl)", () => {
  it("is set at creation, shown by every key view, not inherited, and stored in api_keys.cache_ttl", async () => {
    const { key: caller, keyId } = await newCustomer();
    const created = await createdKey(caller, { name: "cached", cache_ttl: 600 });
    expect(created.cache_ttl).toBe(600);
    expect(await cacheTtlOf(created.id)).toBe(600);
    expect(((await (await keysApi(caller, "GET", `/${created.id}`)).json()) as { cache_ttl: number }).cache_ttl).toBe(600);
    const { data } = (await (await keysApi(caller, "GET")).json()) as { data: { id: string; cache_ttl: number | null }[] };
    expect(Object.fromEntries(data.map((k) => [k.id, k.cache_ttl]))).toEqual({ [keyId]: null, [created.id]: 600 });
    // A key made by a cached key is opted in only if it asks.
    expect((await createdKey(created.key, { name: "child" })).cache_ttl).toBeNull();
  });

  it("refuses a value outside 1..86400 whole seconds with 400 naming cache_ttl (configuration is not clamped)", async () => {
    const { key: caller, keyId } = await newCustomer();
    for (const bad of [86_401, 0, -5, 1.5, "60"]) {
      const created = await keysApi(caller, "POST", "", { name: "x", cache_ttl: bad });
      expect(created.status, String(bad)).toBe(400);
      expect((await errorOf(created)).param, String(bad)).toBe("cache_ttl");
      expect((await keysApi(caller, "PATCH", `/${keyId}`, { cache_ttl: bad })).status, String(bad)).toBe(400);
    }
    expect(await cacheTtlOf(keyId)).toBeNull();
    expect((await createdKey(caller, { cache_ttl: 86_400 })).cache_ttl).toBe(86_400);
  });

  it("is changed by PATCH, audited by name only, and this isolate's auth view of the account is dropped", async () => {
    const { key: caller, keyId, accountId } = await newCustomer();
    const hash = await sha256Hex(caller);
    expect((await call("/v1/models", { headers: { authorization: `Bearer ${caller}` } })).status).toBe(200);
    expect(getCached(hash, Date.now())?.value?.key.cacheTtl).toBeNull();

    const res = await keysApi(caller, "PATCH", `/${keyId}`, { cache_ttl: 300 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { cache_ttl: number }).cache_ttl).toBe(300);
    expect(getCached(hash, Date.now())).toBeUndefined();
    // The next request reads the key anew, with its default.
    expect((await call("/v1/models", { headers: { authorization: `Bearer ${caller}` } })).status).toBe(200);
    expect(getCached(hash, Date.now())?.value?.key.cacheTtl).toBe(300);
    const audit = await env.DB.prepare("select details from audit_log where account_id = ? and action = 'key.update'").bind(accountId).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({ fields: ["cache_ttl"] });
  });

  it("cleared (null) on a key that had one, purges the account's entries after writing the change; another account's stay", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const cached = await createdKey(a.key, { name: "cached", cache_ttl: 600 });
    await storeCachedAnswer(a.accountId, "q1", "a1");
    await storeCachedAnswer(a.accountId, "q2", "a2");
    await storeCachedAnswer(b.accountId, "q1", "a1");
    const saltBefore = await cacheSaltOf(a.accountId);

    const res = await keysApi(a.key, "PATCH", `/${cached.id}`, { cache_ttl: null });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { cache_ttl: number | null }).cache_ttl).toBeNull();
    expect(await cacheTtlOf(cached.id)).toBeNull();
    expect([await cacheRowCount(a.accountId), await cacheRowCount(b.accountId)]).toEqual([0, 1]);
    expect(await cacheSaltOf(a.accountId)).not.toBe(saltBefore);
  });

  it("leaves the entries alone when nothing is withdrawn: another value, or null on a key that had none", async () => {
    const { key: caller, keyId, accountId } = await newCustomer();
    const cached = await createdKey(caller, { name: "cached", cache_ttl: 600 });
    await storeCachedAnswer(accountId, "q", "a");
    expect((await keysApi(caller, "PATCH", `/${cached.id}`, { cache_ttl: 60 })).status).toBe(200);
    expect((await keysApi(caller, "PATCH", `/${keyId}`, { cache_ttl: null })).status).toBe(200);
    expect(await cacheRowCount(accountId)).toBe(1);
  });

  it("when the purge fails, answers 503 saying the setting is cleared and how to finish, with the D1 change kept", async () => {
    const { key: caller } = await newCustomer();
    const cached = await createdKey(caller, { name: "cached", cache_ttl: 600 });
    const res = await withBrokenLimiter(`/v1/keys/${cached.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${caller}`, "content-type": "application/json" },
      body: JSON.stringify({ cache_ttl: null }),
    });
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    expect(error.code).toBe("limiter_unavailable");
    expect(error.message).toContain("DELETE /v1/cache");
    expect(await cacheTtlOf(cached.id)).toBeNull();
  });

  it("is copied to the new key by rotation", async () => {
    const { key: caller } = await newCustomer();
    const cached = await createdKey(caller, { name: "cached", cache_ttl: 900 });
    const res = await keysApi(caller, "POST", `/${cached.id}/rotate`, { grace_period_seconds: 0 });
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as { id: string; cache_ttl: number };
    expect(rotated.cache_ttl).toBe(900);
    expect(await cacheTtlOf(rotated.id)).toBe(900);
  });
});
