/**
 * The response cache in routing (docs/cache.md): hit, miss and bypass as a
 * client sees them, what the key tells apart and what it does not, per-account
 * isolation, the TTL and its clamp, expiry by the limiter object's clock, the
 * per-key default, and how a hit is logged and limited.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/router/app";
import { evictAccount } from "../src/router/auth-cache";
import { newCacheSalt } from "../src/cache/crypto";
import { recordConsent } from "../src/db/accounts";
import { coreDb } from "../src/db/client";
import { pushAccessChange } from "../src/limits/controls";
import { countingDb } from "./helpers/counting-db";
import { eventually, limiterStub } from "./helpers/limiter";
import { send, TTL } from "./helpers/cache";
import { limiterClock } from "./helpers/credits";
import { call, DEFAULT_TEST_CREDITS_USD, newCustomer, tag, upstreamRequests } from "./helpers/router";

const mistral = "mistral/mistral-small-latest";
const chatPath = "/v1/chat/completions";
const GRANT_NANO = DEFAULT_TEST_CREDITS_USD * 1_000_000_000;
const ask = (marker: string, extra: Record<string, unknown> = {}) => ({ model: mistral, messages: [{ role: "user", content: `${marker} hello` }], ...extra });

describe("hit, miss and bypass", () => {
  it("stores a miss's answer and serves it as a hit, with age, without calling the upstream", async () => {
    const c = await newCustomer();
    const marker = tag();
    const miss = await send(chatPath, c.key, ask(marker), TTL);
    expect(miss.res.status).toBe(200);
    expect(miss.res.headers.get("x-emby-cache")).toBe("miss");
    expect(miss.res.headers.get("age")).toBeNull();
    const hit = await send(chatPath, c.key, ask(marker), TTL);
    expect(hit.res.status).toBe(200);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect(Number(hit.res.headers.get("age"))).toBeGreaterThanOrEqual(0);
    expect(hit.res.headers.get("content-type")).toContain("application/json");
    expect(hit.res.headers.get("x-ratelimit-remaining-requests")).not.toBeNull();
    expect(hit.res.headers.get("x-emby-attempts")).toBe("0");
    expect(JSON.parse(hit.text)).toEqual(JSON.parse(miss.text));
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("bypasses a request without the header, and one with 0, even when an answer is stored", async () => {
    const c = await newCustomer();
    const marker = tag();
    await send(chatPath, c.key, ask(marker), TTL);
    const none = await send(chatPath, c.key, ask(marker));
    expect(none.res.headers.get("x-emby-cache")).toBe("bypass");
    const zero = await send(chatPath, c.key, ask(marker), { "x-emby-cache-ttl": "0" });
    expect(zero.res.headers.get("x-emby-cache")).toBe("bypass");
    expect(await upstreamRequests(marker)).toHaveLength(3);
  });

  it("logs each as what it was: a hit as the requested model with no route, no tokens and no cost", async () => {
    const c = await newCustomer();
    const marker = tag();
    const miss = await send(chatPath, c.key, ask(marker), TTL);
    expect(miss.event).toMatchObject({ cache: "miss", model: mistral, attempts: 1 });
    expect(miss.event.completion_tokens).toBeGreaterThan(0);
    expect(miss.event.cost_nano_usd).toBeGreaterThan(0);
    const hit = await send(chatPath, c.key, ask(marker), TTL);
    expect(hit.event).toMatchObject({
      cache: "hit", status: 200, model: mistral, route: null, data_region: null, attempts: 0, attempt_log: [],
      prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0, provider_cost_nano_usd: 0, error_code: null,
    });
    expect((await send(chatPath, c.key, ask(marker))).event.cache).toBe("bypass");
  });

  it("counts a hit against the key's requests per minute", async () => {
    const c = await newCustomer({ key: { limits: { rpm: 2 } } });
    const marker = tag();
    expect((await send(chatPath, c.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    const hit = await send(chatPath, c.key, ask(marker), TTL);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect(hit.res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const third = await send(chatPath, c.key, ask(marker), TTL);
    expect(third.res.status).toBe(429);
    expect(third.res.headers.get("retry-after")).not.toBeNull();
  });
});

describe("an entry that does not open", () => {
  it("is a miss, charged like one, and replaced by the new answer", async () => {
    const c = await newCustomer();
    const marker = tag();
    const miss = await send(chatPath, c.key, ask(marker), TTL);
    const balance = async () => (await limiterStub(c.accountId).creditState()).balanceNano;
    const paid = await balance();
    expect(paid).toBe(GRANT_NANO - miss.event.cost_nano_usd);
    // A new salt (as after a master key rotation): the stored entry no longer opens.
    await env.DB.prepare("update accounts set cache_salt = ? where id = ?").bind(newCacheSalt(), c.accountId).run();
    evictAccount(c.accountId);
    const again = await send(chatPath, c.key, ask(marker), TTL);
    expect(again.res.status).toBe(200);
    expect(again.res.headers.get("x-emby-cache")).toBe("miss");
    expect(again.event).toMatchObject({ cache: "miss", attempts: 1 });
    expect(again.event.cost_nano_usd).toBeGreaterThan(0);
    await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
    expect(await balance()).toBe(paid - again.event.cost_nano_usd);
    expect((await send(chatPath, c.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });
});

describe("the key", () => {
  it("does not depend on JSON key order, at any depth", async () => {
    const c = await newCustomer();
    const marker = tag();
    const first = { model: mistral, temperature: 0.2, messages: [{ role: "user", content: `${marker} hi` }], provider: { order: ["mistral-eu"], allow_fallbacks: true } };
    const reordered = { provider: { allow_fallbacks: true, order: ["mistral-eu"] }, messages: [{ content: `${marker} hi`, role: "user" }], temperature: 0.2, model: mistral };
    await send(chatPath, c.key, first, TTL);
    const again = await send(chatPath, c.key, reordered, TTL);
    expect(again.res.headers.get("x-emby-cache")).toBe("hit");
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("tells apart a changed provider-specific parameter (reasoning_effort, top_k)", async () => {
    const c = await newCustomer();
    const marker = tag();
    const claude = { model: "anthropic/claude-haiku-4-5", max_tokens: 500, messages: [{ role: "user", content: `${marker} claude` }] };
    await send(chatPath, c.key, { ...claude, reasoning_effort: "low" }, TTL);
    expect((await send(chatPath, c.key, { ...claude, reasoning_effort: "low" }, TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    expect((await send(chatPath, c.key, { ...claude, reasoning_effort: "medium" }, TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    await send("/v1/messages", c.key, { ...claude, top_k: 5 }, TTL);
    expect((await send("/v1/messages", c.key, { ...claude, top_k: 6 }, TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    expect(await upstreamRequests(marker)).toHaveLength(4);
  });

  it("tells apart the same request through the other API, and a stream from nothing: stream and non-stream share an entry", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, max_tokens: 50, messages: [{ role: "user", content: `${marker} hi` }] };
    await send(chatPath, c.key, body, TTL);
    expect((await send("/v1/messages", c.key, body, TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    expect((await send(chatPath, c.key, { ...body, stream: true }, TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("on /v1/messages, tells apart another anthropic-beta list, but not another order of it", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, max_tokens: 50, messages: [{ role: "user", content: `${marker} hi` }] };
    const betas = (value: string) => ({ ...TTL, "anthropic-beta": value });
    await send("/v1/messages", c.key, body, betas("token-efficient-tools-2025-02-19,pdfs-2024-09-25"));
    expect((await send("/v1/messages", c.key, body, betas("pdfs-2024-09-25, token-efficient-tools-2025-02-19"))).res.headers.get("x-emby-cache")).toBe("hit");
    expect((await send("/v1/messages", c.key, body, betas("pdfs-2024-09-25"))).res.headers.get("x-emby-cache")).toBe("miss");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("is the account's own: another account's identical request misses", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const marker = tag();
    await send(chatPath, a.key, ask(marker), TTL);
    expect((await send(chatPath, a.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    expect((await send(chatPath, b.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("follows the EU restriction: an answer produced for a consenting account is not served to it once it withdrew", async () => {
    const c = await newCustomer();
    const marker = tag();
    await send(chatPath, c.key, ask(marker), TTL);
    const before = await send(chatPath, c.key, ask(marker), TTL);
    expect(before.res.headers.get("x-emby-cache")).toBe("hit");
    const res = await call("/v1/account/consent", {
      method: "PUT",
      headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json" },
      body: JSON.stringify({ non_eu_transfer: false }),
    });
    expect(res.status).toBe(200);
    expect((await send(chatPath, c.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("miss");
  });
});

describe("a consent withdrawal this isolate has not seen", () => {
  it("serves no answer stored before it: the limiter's word wins, the request is routed anew (403 here: no EU route), its lease back", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: `${marker} hello` }] };
    const first = await send(chatPath, c.key, body, TTL);
    expect(first.res.headers.get("x-emby-data-region")).toBe("us");
    expect((await send(chatPath, c.key, body, TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    // Withdrawn through "another isolate": D1 and the limiter know, this isolate's auth view does not.
    await recordConsent(coreDb(env.DB), c.accountId, "non_eu_transfer", false, `key:${c.keyId}`);
    await pushAccessChange(env, c.accountId, { nonEuConsent: false });
    const after = await send(chatPath, c.key, body, TTL);
    expect(after.res.status).toBe(403);
    expect(JSON.parse(after.text).error.code).toBe("consent_required");
    expect(after.res.headers.get("x-emby-cache")).toBe("miss");
    expect(after.event.cache).toBe("miss");
    expect(await upstreamRequests(marker)).toHaveLength(1);
    await eventually(async () => (await limiterStub(c.accountId).snapshot()).leases === 0);
  });
});

describe("the TTL", () => {
  it("clamps a TTL over 24 hours and says so", async () => {
    const c = await newCustomer();
    const marker = tag();
    const miss = await send(chatPath, c.key, ask(marker), { "x-emby-cache-ttl": "100000" });
    expect(miss.res.headers.get("x-emby-cache")).toBe("miss");
    expect(miss.res.headers.get("x-emby-cache-ttl-clamped")).toBe("86400");
    const hit = await send(chatPath, c.key, ask(marker), { "x-emby-cache-ttl": "100000" });
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect((await send(chatPath, c.key, ask(tag()), TTL)).res.headers.get("x-emby-cache-ttl-clamped")).toBeNull();
  });

  it("refuses a malformed value with 400 invalid_cache_ttl, without calling the upstream", async () => {
    const c = await newCustomer();
    const marker = tag();
    for (const value of ["-1", "1.5", "60s", ""]) {
      const res = await send(chatPath, c.key, ask(marker), { "x-emby-cache-ttl": value });
      expect(res.res.status, value).toBe(400);
      expect(JSON.parse(res.text).error).toMatchObject({ code: "invalid_cache_ttl", param: "x-emby-cache-ttl" });
    }
    const messages = await send("/v1/messages", c.key, { model: mistral, max_tokens: 5, messages: [{ role: "user", content: marker }] }, { "x-emby-cache-ttl": "soon" });
    expect(messages.res.status).toBe(400);
    expect(JSON.parse(messages.text)).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("never serves an entry at or after its expiry, by the limiter object's clock", async () => {
    const c = await newCustomer();
    const marker = tag();
    const start = Date.now();
    await send(chatPath, c.key, ask(marker), TTL);
    expect((await send(chatPath, c.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    const move = await limiterClock(c.accountId, start + 59_000);
    expect((await send(chatPath, c.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    // Stored after `start`, so expiring at least 60 s after it.
    move(Date.now() + 60_000);
    expect((await send(chatPath, c.key, ask(marker), TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("takes the key's default when the request sends none; the header's 0 turns it off", async () => {
    const c = await newCustomer();
    await env.DB.prepare("update api_keys set cache_ttl = 60 where id = ?").bind(c.keyId).run();
    evictAccount(c.accountId);
    const marker = tag();
    expect((await send(chatPath, c.key, ask(marker))).res.headers.get("x-emby-cache")).toBe("miss");
    expect((await send(chatPath, c.key, ask(marker))).res.headers.get("x-emby-cache")).toBe("hit");
    expect((await send(chatPath, c.key, ask(marker), { "x-emby-cache-ttl": "0" })).res.headers.get("x-emby-cache")).toBe("bypass");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });
});

/** The limiter namespace, counting the calls made on its objects by method. */
function countingLimiter() {
  const calls: Record<string, number> = {};
  const namespace = new Proxy(env.LIMITER, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== "get" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
      return (id: DurableObjectId) =>
        new Proxy(target.get(id), {
          get: (stub, method) => {
            if (typeof method === "string" && ["admit", "releaseMany", "cachePut"].includes(method)) calls[method] = (calls[method] ?? 0) + 1;
            return Reflect.get(stub, method);
          },
        });
    },
  });
  return { namespace, calls };
}

/** One chat call on a warm key, counting D1 statements and limiter calls before the response and after its waitUntil work. */
async function counted(key: string, body: unknown, headers: Record<string, string>) {
  const db = countingDb(env.DB);
  const limiter = countingLimiter();
  const ctx = createExecutionContext();
  const init = { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
  const res = await app.request(chatPath, init, { ...env, DB: db.db, LIMITER: limiter.namespace }, ctx);
  const before = { ...limiter.calls };
  await res.text();
  await waitOnExecutionContext(ctx);
  return { res, before, after: limiter.calls, queries: db.count() };
}

describe("the warm path", () => {
  it("without the header, or with 0: no D1 query, one limiter call, one upstream request, nothing stored", async () => {
    const c = await newCustomer();
    const marker = tag();
    await send(chatPath, c.key, ask(marker)); // warms the key's view
    for (const headers of [{}, { "x-emby-cache-ttl": "0" }] as Record<string, string>[]) {
      const { res, before, after, queries } = await counted(c.key, ask(marker), headers);
      expect(res.headers.get("x-emby-cache")).toBe("bypass");
      expect(before).toEqual({ admit: 1 });
      expect(after.cachePut).toBeUndefined();
      expect(queries).toBe(0);
    }
    expect(await upstreamRequests(marker)).toHaveLength(3);
  });

  it("a cacheable request: a miss makes one extra call (the store, after the response), a hit none and no upstream request", async () => {
    const c = await newCustomer();
    const marker = tag();
    await send(chatPath, c.key, ask(tag())); // warms the key's view
    const miss = await counted(c.key, ask(marker), TTL);
    expect(miss.res.headers.get("x-emby-cache")).toBe("miss");
    expect(miss.before).toEqual({ admit: 1 });
    expect(miss.after.cachePut).toBe(1);
    expect(miss.queries).toBe(0);
    const hit = await counted(c.key, ask(marker), TTL);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect(hit.before).toEqual({ admit: 1 });
    expect(hit.after.cachePut).toBeUndefined();
    expect(hit.queries).toBe(0);
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });
});
