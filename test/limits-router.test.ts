import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountLimiter } from "../src/limits/limiter";
import { LEASE_TTL_MS } from "../src/limits/limiter";
import { admin, chat, errorOf, newCustomer, releaseHold, tag, upstreamRequests } from "./helpers/router";
import { eventually, limiterStub, maxOverlap } from "./helpers/limiter";

const user = (content: string) => [{ role: "user", content }];
const mistral = "mistral/mistral-small-latest";
const leases = async (accountId: string) => (await limiterStub(accountId).snapshot()).leases;

describe("limits through the router", () => {
  it("RPM L=5: 8 requests → exactly 5 admitted, remaining counts down 4..0, then 429 with Retry-After", async () => {
    const c = await newCustomer({ key: { limits: { rpm: 5 } } });
    const responses = [];
    for (let i = 0; i < 8; i++) responses.push(await chat(c.key, { model: mistral, messages: user("hi") }));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(responses.slice(0, 5).map((r) => r.headers.get("x-ratelimit-remaining-requests"))).toEqual(["4", "3", "2", "1", "0"]);
    for (const r of responses) expect(r.headers.get("x-ratelimit-limit-requests")).toBe("5");
    const limited = responses[5]!;
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    expect(limited.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?s$/);
    expect(await errorOf(limited)).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
  });

  it("every admitted response carries request and token rate-limit headers, upstream errors included", async () => {
    const c = await newCustomer();
    for (const content of ["hi", 'fake:{"status":500}']) {
      const res = await chat(c.key, { model: mistral, messages: user(content) });
      for (const h of ["limit", "remaining", "reset"]) {
        expect(res.headers.get(`x-ratelimit-${h}-requests`), h).toBeTruthy();
        expect(res.headers.get(`x-ratelimit-${h}-tokens`), h).toBeTruthy();
      }
    }
  });

  it("50 parallel streams with concurrency 5: upstream sees ≤5, exactly 45 get 429, all slots free afterwards", async () => {
    const c = await newCustomer({ key: { limits: { concurrency: 5 } } });
    const marker = tag();
    const body = { model: mistral, stream: true, messages: user(`${marker} fake:{"chunks":3,"chunkDelayMs":150}`) };
    const responses = await Promise.all(Array.from({ length: 50 }, () => chat(c.key, body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    for (const r of responses.filter((r) => r.status === 429)) expect((await errorOf(r)).code).toBe("concurrency_limit_exceeded");
    await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.text()));
    const seen = await upstreamRequests(marker);
    expect(seen).toHaveLength(5);
    expect(maxOverlap(seen)).toBeLessThanOrEqual(5);
    await eventually(async () => (await leases(c.accountId)) === 0);
    const again = await Promise.all(Array.from({ length: 5 }, () => chat(c.key, { model: mistral, messages: user("again") })));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it("a client that aborts mid-stream frees its slot at once", async () => {
    const c = await newCustomer({ key: { limits: { concurrency: 1 } } });
    const hold = `hold-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const res = await chat(c.key, { model: mistral, stream: true, messages: user(`fake:{"hold":"${hold}"}`) }, {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    expect((await chat(c.key, { model: mistral, messages: user("blocked") })).status).toBe(429);
    controller.abort();
    await reader.cancel().catch(() => {});
    await eventually(async () => (await leases(c.accountId)) === 0, 1_000);
    expect((await chat(c.key, { model: mistral, messages: user("free again") })).status).toBe(200);
    await releaseHold(hold);
  });

  it("an upstream that drops mid-stream frees its slot", async () => {
    const c = await newCustomer({ key: { limits: { concurrency: 1 } } });
    const res = await chat(c.key, { model: mistral, stream: true, messages: user('fake:{"drop":"mid"}') });
    expect(await res.text()).toContain("upstream_stream_");
    await eventually(async () => (await leases(c.accountId)) === 0, 1_000);
  });

  it("an upstream error before the stream frees its slot and its reservation", async () => {
    const c = await newCustomer({ key: { limits: { concurrency: 1 } } });
    expect((await chat(c.key, { model: mistral, stream: true, messages: user('fake:{"status":500}') })).status).toBe(502);
    await eventually(async () => (await limiterStub(c.accountId).snapshot()).leases === 0);
    expect((await limiterStub(c.accountId).snapshot()).tokens).toBe(0);
  });

  it("settles the token reservation to the real usage", async () => {
    const c = await newCustomer({ key: { limits: { tpm: 5_000 } } });
    const first = await chat(c.key, { model: mistral, max_tokens: 2_000, messages: user("hi") });
    // Reserved: prompt estimate + 2000 completion tokens.
    expect(Number(first.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(3_000);
    const usage = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    await eventually(async () => (await limiterStub(c.accountId).snapshot()).tokens === usage);
    const second = await chat(c.key, { model: mistral, max_tokens: 100, messages: user("hi") });
    const reserved = 5_000 - usage - Number(second.headers.get("x-ratelimit-remaining-tokens"));
    expect(reserved).toBeGreaterThanOrEqual(100);
    expect(reserved).toBeLessThan(200);
  });

  it("two keys of one account share the account limit", async () => {
    const c = await newCustomer({ tier: "free" }); // free tier: 2 concurrent requests per account
    const other = (await (await admin("POST", `/accounts/${c.accountId}/keys`, {})).json()) as { key: string };
    const holds = [`h-${crypto.randomUUID()}`, `h-${crypto.randomUUID()}`];
    const a = await chat(c.key, { model: mistral, stream: true, messages: user(`fake:{"hold":"${holds[0]}"}`) });
    const b = await chat(other.key, { model: mistral, stream: true, messages: user(`fake:{"hold":"${holds[1]}"}`) });
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await chat(other.key, { model: mistral, messages: user("third") });
    expect(third.status).toBe(429);
    expect((await errorOf(third)).code).toBe("concurrency_limit_exceeded");
    for (const h of holds) await releaseHold(h);
    await Promise.all([a.text(), b.text()]);
  });

  it("applies reduced limits to an account under the rate_limited penalty", async () => {
    const c = await newCustomer({ tier: "pro" });
    const before = await chat(c.key, { model: mistral, messages: user("hi") });
    await admin("PATCH", `/accounts/${c.accountId}`, { status: "rate_limited", reason: "Abuse" });
    const after = await chat(c.key, { model: mistral, messages: user("hi") });
    expect(Number(after.headers.get("x-ratelimit-limit-requests"))).toBeLessThan(Number(before.headers.get("x-ratelimit-limit-requests")));
  });
});

describe("limiter durability", () => {
  it("a lease whose request never finished is reclaimed by the alarm", async () => {
    const c = await newCustomer();
    const stub = limiterStub(c.accountId);
    const limits = { rpm: 10, tpm: 10_000, concurrency: 1 };
    const request = { keyId: c.keyId, account: limits, key: limits, tokens: 10, keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { asOf: Date.now(), status: "active" as const, tier: "pro" as const, tierUntil: null }, accountId: c.accountId, spend: { maxPriceNano: 0, keyBudget: null } };
    expect(await stub.admit({ ...request, leaseId: "orphan" })).toMatchObject({ refused: null, admitted: true });
    expect(await stub.admit({ ...request, leaseId: "second" })).toMatchObject({ exceeded: "concurrency_limit_exceeded" });
    await runInDurableObject(stub, (instance: AccountLimiter) => {
      instance.clock = () => Date.now() + LEASE_TTL_MS + 1;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.snapshot()).leases).toBe(0);
  });

  it("eviction mid-window does not reset counters", async () => {
    const c = await newCustomer({ key: { limits: { rpm: 5 } } });
    for (let i = 0; i < 3; i++) expect((await chat(c.key, { model: mistral, messages: user("hi") })).status).toBe(200);
    await evictDurableObject(limiterStub(c.accountId));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(c.key, { model: mistral, messages: user("hi") })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
