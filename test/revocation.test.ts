/**
 * Access changes made by "another isolate": the change is written to D1 and
 * pushed to the account's limiter (as another isolate's handler does), while
 * this isolate's auth cache still holds the key. The next inference call here
 * must obey the change (docs/enforcement.md).
 */
import { createExecutionContext, evictDurableObject, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CACHE_PURGE_MEMORY_MS } from "../src/cache/store";
import { recordConsent } from "../src/db/accounts";
import { coreDb } from "../src/db/client";
import { findKeyByHash } from "../src/db/keys";
import { ACCESS_RECORD_TTL_MS } from "../src/limits/access-state";
import { newPseudonym } from "../src/db/erasure";
import { eraseLimiterState, pushAccessChange } from "../src/limits/controls";
import type { AccountLimiter } from "../src/limits/limiter";
import { penaltyLimits, TIER_LIMITS } from "../src/limits/tiers";
import { app } from "../src/router/app";
import { FRESH_VIEW_MS, getCached, putCached } from "../src/router/auth-cache";
import { sha256Hex } from "../src/shared/crypto";
import { countingDb } from "./helpers/counting-db";
import { eventually, limiterStub } from "./helpers/limiter";
import { call, chat, errorOf, newCustomer, tag, upstreamRequests } from "./helpers/router";

const user = (content: string) => [{ role: "user", content }];
const mistral = "mistral/mistral-small-latest";
const hi = (key: string, model = mistral) => chat(key, { model, messages: user("hi") });
const cached = async (key: string) => getCached(await sha256Hex(key), Date.now()) !== undefined;

/** Replaces the limiter's clock; returns a setter. */
async function limiterClock(accountId: string, start: number) {
  let now = start;
  await runInDurableObject(limiterStub(accountId), (o: AccountLimiter) => void (o.clock = () => now));
  return (t: number) => void (now = t);
}

describe("a change made by another isolate bites on this isolate's next inference call", () => {
  it("revoked key: 401 revoked_api_key, and this isolate's cached entry goes", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    await env.DB.prepare("update api_keys set status = 'revoked', revoked_at = ? where id = ?").bind(Date.now(), c.keyId).run();
    expect(await cached(c.key)).toBe(true); // this isolate was not told
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: Date.now() }] });
    const res = await hi(c.key);
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ type: "authentication_error", code: "revoked_api_key" });
    expect(await cached(c.key)).toBe(false);
    expect((await errorOf(await hi(c.key))).code).toBe("revoked_api_key"); // now from D1
  });

  it("suspended account: 403 account_suspended with the reason and where to appeal", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    await pushAccessChange(env, c.accountId, { status: "suspended", statusReason: "Mass mailing" });
    await env.DB.prepare("update accounts set status = 'suspended', status_reason = 'Mass mailing' where id = ?").bind(c.accountId).run();
    const res = await chat(c.key, { model: mistral, messages: user("hi") });
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "permission_error", code: "account_suspended" });
    expect(error.message).toContain("Mass mailing");
    expect(error.message).toContain(env.APPEALS_CONTACT);
  });

  it("closed account: 401 account_closed, on /v1/messages too", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    await pushAccessChange(env, c.accountId, { closed: true });
    const res = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": c.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: mistral, max_tokens: 10, messages: user("hi") }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("the limiter's record survives its object being stopped and restarted", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: Date.now() }] });
    await evictDurableObject(limiterStub(c.accountId));
    expect((await errorOf(await hi(c.key))).code).toBe("revoked_api_key");
  });

  it("a key stop in the future (a rotation's grace period) lets the key work until then, not after", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: t0 + 60 * 60_000 }] });
    setClock(t0 + 60 * 60_000 - 1);
    expect((await hi(c.key)).status).toBe(200);
    setClock(t0 + 60 * 60_000);
    expect((await errorOf(await hi(c.key))).code).toBe("revoked_api_key");
  });

  it("a future stop moves to the newest time told, a stop already reached stays", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: t0 + 10_000 }] });
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: t0 + 60_000 }] }); // expiry extended
    setClock(t0 + 10_000);
    expect((await hi(c.key)).status).toBe(200);
    setClock(t0 + 60_000);
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: t0 + 120_000 }] }); // too late: revoked
    expect((await errorOf(await hi(c.key))).code).toBe("revoked_api_key");
  });

  it("a revocation stamped by a router clock ahead of the limiter's is not undone by a later rotation push", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    // The revoking isolate's clock runs 2 s ahead; a rotation's push (its grace period's end) arrives after.
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: t0 + 2_000 }] });
    await pushAccessChange(env, c.accountId, { keyStops: [{ keyId: c.keyId, at: t0 + 86_400_000 }] });
    setClock(t0 + 2_000);
    expect((await errorOf(await hi(c.key))).code).toBe("revoked_api_key");
  });

  it("consent withdrawn: a non-EU model answers 403 consent_required (lease back at once), a fallback list falls to its EU route", async () => {
    const c = await newCustomer();
    expect((await hi(c.key, "openai/gpt-4o-mini")).status).toBe(200);
    await recordConsent(coreDb(env.DB), c.accountId, "non_eu_transfer", false, `key:${c.keyId}`);
    await pushAccessChange(env, c.accountId, { nonEuConsent: false });
    const marker = tag();
    const refused = await chat(c.key, { model: "openai/gpt-4o-mini", messages: user(marker) });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("consent_required");
    expect(await upstreamRequests(marker)).toHaveLength(0);
    await eventually(async () => (await limiterStub(c.accountId).snapshot()).leases === 0);
    const fallback = await chat(c.key, { model: "openai/gpt-4o-mini", models: [mistral], messages: user(marker) });
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get("x-emby-data-region")).toBe("eu");
    expect((await upstreamRequests(marker)).map((r) => r.label)).not.toContain("openai");
  });

  it("rate_limited: the penalty limits apply to the very next request", async () => {
    const c = await newCustomer({ tier: "pro" });
    expect((await hi(c.key)).headers.get("x-ratelimit-limit-requests")).toBe(String(TIER_LIMITS.pro.rpm));
    await pushAccessChange(env, c.accountId, { status: "rate_limited", statusReason: "Scraping" });
    const res = await hi(c.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe(String(penaltyLimits(TIER_LIMITS.pro).rpm));
  });

  it("warned: the next response carries the warning", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).headers.get("x-emby-account-warning")).toBeNull();
    await pushAccessChange(env, c.accountId, { status: "warned", statusReason: "Too many refunds" });
    expect((await hi(c.key)).headers.get("x-emby-account-warning")).toBe("Too many refunds");
  });

  it("a lifted suspension whose push was lost does not lock out a view read after it", async () => {
    const c = await newCustomer();
    const stub = limiterStub(c.accountId);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await stub.recordAccess({ status: "suspended", statusReason: "x" });
    const limits = TIER_LIMITS.pro;
    const request = { keyId: c.keyId, account: limits, key: limits, tokens: 1, keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, accountId: c.accountId, spend: { maxPriceNano: 0, keyBudget: null } };
    expect(await stub.admit({ ...request, leaseId: tag(), view: { asOf: t0 - 1, status: "active", tier: "pro", tierUntil: null } })).toMatchObject({ refused: { code: "account_suspended" } });
    setClock(t0 + 60_000);
    expect(await stub.admit({ ...request, leaseId: tag(), view: { asOf: t0 + 59_000, status: "active", tier: "pro", tierUntil: null } })).toMatchObject({ refused: null, admitted: true });
  });
});

describe("routes that never visit the limiter", () => {
  it("re-read a cached view older than FRESH_VIEW_MS from D1; inference trusts it (the limiter corrects it)", async () => {
    const c = await newCustomer();
    const hash = await sha256Hex(c.key);
    const stale = await findKeyByHash(coreDb(env.DB), hash);
    await env.DB.prepare("update api_keys set status = 'revoked' where id = ?").bind(c.keyId).run();
    putCached(hash, stale, Date.now() - FRESH_VIEW_MS - 1);
    expect((await hi(c.key)).status).toBe(200); // no push: only D1 knows, and inference trusts the view for 30 s
    const res = await call("/v1/models", { headers: { authorization: `Bearer ${c.key}` } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("revoked_api_key");
  });
});

describe("warm path", () => {
  it("an inference call on a cached key makes no D1 query and one limiter call", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50)); // the first call's release is sent
    const counted = countingDb(env.DB);
    let limiterCalls = 0;
    const namespace = new Proxy(env.LIMITER, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== "get" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
        return (id: DurableObjectId) => {
          const stub = target.get(id);
          return new Proxy(stub, { get: (s, p) => (p === "admit" || p === "releaseMany" ? (limiterCalls++, Reflect.get(s, p)) : Reflect.get(s, p)) });
        };
      },
    });
    const ctx = createExecutionContext();
    const res = await app.request(
      "/v1/chat/completions",
      { method: "POST", headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json" }, body: JSON.stringify({ model: mistral, messages: user("hi") }) },
      { ...env, DB: counted.db, LIMITER: namespace },
      ctx,
    );
    expect(res.status).toBe(200);
    expect(limiterCalls).toBe(1);
    await res.text();
    await waitOnExecutionContext(ctx);
    expect(counted.count()).toBe(0);
  });
});

describe("eraseLimiterState", () => {
  it("keeps only a tombstone that refuses the account's cached keys, and after its alarm no row at all", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    await pushAccessChange(env, c.accountId, { restricted: true, status: "warned", statusReason: "x", rotations: [{ oldKeyId: c.keyId, newKeyId: "key_rotated_in" }] });
    const pseudonym = newPseudonym();
    await eraseLimiterState(env, c.accountId, pseudonym);
    expect((await errorOf(await hi(c.key))).code).toBe("account_closed");
    const stub = limiterStub(c.accountId);
    const rows = () =>
      runInDurableObject(stub, (_o: AccountLimiter, state: DurableObjectState) => {
        const tables = state.storage.sql.exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like '\\_cf\\_%' escape '\\' and name not like 'sqlite\\_%' escape '\\'").toArray();
        return Object.fromEntries(tables.map(({ name }) => [name, state.storage.sql.exec<{ n: number }>(`select count(*) as n from ${name}`).one().n]));
      });
    // Ledger entries not yet in the billing database stay, under a pseudonym, until the alarm writes them.
    const { credit_pending: pending, ...rest } = await rows();
    expect(pending).toBeGreaterThan(0);
    expect(rest).toEqual({ requests: 0, access_stops: 0, access_facts: 1, credit_account: 0, credit_reservations: 0, credit_reclaimed: 0, credit_key_spend: 0, credit_key_alias: 0, credit_applied: 0, low_balance_notice: 0, access_budgets: 0, cache_entries: 0, cache_purges: 1 });
    await limiterClock(c.accountId, Date.now() + ACCESS_RECORD_TTL_MS + 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // The erasure's cache purge time (no content) is kept until no request from before it can still store an answer.
    const { cache_purges: purges, ...afterTombstone } = await rows();
    expect(purges).toBe(1);
    expect(Object.values(afterTombstone).every((n) => n === 0)).toBe(true);
    await limiterClock(c.accountId, Date.now() + CACHE_PURGE_MEMORY_MS + 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(Object.values(await rows()).every((n) => n === 0)).toBe(true);
    // The grant reached the ledger under the pseudonym, without the operator's note (free text goes at erasure).
    const written = await env.BILLING_DB.prepare("select note from credit_ledger where account_id = ? and kind = 'adjustment' and amount_nano_usd = 100000000000").bind(pseudonym).all<{ note: string | null }>();
    expect(written.results).toEqual([{ note: null }]);
  });
});
