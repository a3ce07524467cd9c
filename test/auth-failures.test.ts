import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/router/app";
import { clearAuthCache, getCached, putCached } from "../src/router/auth-cache";
import { AUTH_FAILURE_LIMIT, AUTH_FAILURE_PREFIX_LIMIT, AUTH_FAILURE_WINDOW_MS, MAX_ADDRESSES, addressBucket, blockedForMs, clearAuthFailures, recordAuthFailure, sharedLimitKey } from "../src/router/auth-failures";
import type { KeyWithAccount } from "../src/db/keys";
import { generateApiKey } from "../src/shared/api-key";
import { countingDb } from "./helpers/counting-db";
import { errorOf, newCustomer } from "./helpers/router";

/** GET /v1/models from an address, with D1 and the rate limiter counting their calls. */
async function fromAddress(ip: string, key: string) {
  const counted = countingDb(env.DB);
  let limiterCalls = 0;
  const limiter: RateLimit = { limit: (options) => (limiterCalls++, env.AUTH_FAILURES.limit(options)) };
  const ctx = createExecutionContext();
  const res = await app.request("/v1/models", { headers: { authorization: `Bearer ${key}`, "cf-connecting-ip": ip } }, { ...env, DB: counted.db, AUTH_FAILURES: limiter }, ctx);
  await waitOnExecutionContext(ctx);
  return { res, status: res.status, queries: counted.count(), limiterCalls };
}

beforeEach(() => {
  clearAuthCache();
  clearAuthFailures();
});

describe("forged keys", () => {
  it("cost at most one D1 query each up to the limit, then 429 before D1 is asked", async () => {
    const attacker = "203.0.113.7";
    const results = [];
    for (let i = 0; i < AUTH_FAILURE_LIMIT + 10; i++) results.push(await fromAddress(attacker, generateApiKey()));
    const allowed = results.slice(0, AUTH_FAILURE_LIMIT);
    const refused = results.slice(AUTH_FAILURE_LIMIT);
    expect(allowed.map((r) => r.status)).toEqual(allowed.map(() => 401));
    expect(allowed.every((r) => r.queries === 1)).toBe(true);
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 429));
    expect(refused.map((r) => r.queries)).toEqual(refused.map(() => 0));
    const last = refused.at(-1)!;
    const retryAfter = Number(last.res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(AUTH_FAILURE_WINDOW_MS / 1000);
    expect(await errorOf(last.res)).toMatchObject({ type: "rate_limit_error", code: "too_many_failed_authentications" });
  });

  it("leave the warm path alone: a cached valid key costs no D1 query and no rate-limiter call", async () => {
    const legit = await newCustomer();
    expect(await fromAddress("192.0.2.20", legit.key)).toMatchObject({ status: 200, limiterCalls: 0 });
    expect(await fromAddress("192.0.2.20", legit.key)).toMatchObject({ status: 200, queries: 0, limiterCalls: 0 });
    // Failures are the only thing counted location-wide.
    expect(await fromAddress("192.0.2.20", generateApiKey())).toMatchObject({ status: 401, limiterCalls: 1 });
  });

  it("do not reach D1 twice for the same forged key (negative cache)", async () => {
    const forged = generateApiKey();
    expect((await fromAddress("203.0.113.8", forged)).queries).toBe(1);
    expect((await fromAddress("203.0.113.9", forged)).queries).toBe(0);
  });

  it("do not slow legitimate keys: another address, and a key the blocked address already used", async () => {
    const legit = await newCustomer();
    const attacker = "198.51.100.4";
    const warm = await fromAddress(attacker, legit.key);
    expect(warm.status).toBe(200);
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) await fromAddress(attacker, generateApiKey());
    expect((await fromAddress(attacker, generateApiKey())).status).toBe(429);

    const other = await newCustomer();
    const elsewhere = await fromAddress("192.0.2.10", other.key);
    expect(elsewhere.status).toBe(200);
    // Cached valid key from the blocked address: served (a view older than
    // FRESH_VIEW_MS is re-read from D1 on this route, blocked address or not).
    const cached = await fromAddress(attacker, legit.key);
    expect(cached.status).toBe(200);
    expect(cached.queries).toBeLessThanOrEqual(1);
    // A key this isolate validated for another address is served from the cache here too.
    expect((await fromAddress(attacker, other.key)).status).toBe(200);
    // A key this isolate has not validated needs D1: refused until the window ends.
    clearAuthCache();
    expect(await fromAddress(attacker, other.key)).toMatchObject({ status: 429, queries: 0 });
  });

  it("are counted per IPv6 /64, so rotating addresses inside one prefix does not help", async () => {
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) await fromAddress(`2001:db8:1:2::${(i + 1).toString(16)}`, generateApiKey());
    expect((await fromAddress("2001:db8:1:2:ffff::1", generateApiKey())).status).toBe(429);
    expect((await fromAddress("2001:db8:1:3::1", generateApiKey())).status).toBe(401);
  });

  it("are counted per IPv4 address when it arrives IPv4-mapped, not in one bucket for all of them", async () => {
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) await fromAddress("::ffff:203.0.113.50", generateApiKey());
    expect((await fromAddress("::ffff:203.0.113.50", generateApiKey())).status).toBe(429);
    expect((await fromAddress("203.0.113.50", generateApiKey())).status).toBe(429);
    expect((await fromAddress("::ffff:198.51.100.50", generateApiKey())).status).toBe(401);
  });
});

describe("failures counted across isolates (rate limiting binding)", () => {
  it("block an address in this isolate once the location-wide count is over, though this isolate saw one failure", async () => {
    const address = "203.0.113.99";
    // Other isolates of the location have already counted the address's failures.
    const key = await sharedLimitKey(addressBucket(address));
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) await env.AUTH_FAILURES.limit({ key });
    const first = await fromAddress(address, generateApiKey());
    expect(first).toMatchObject({ status: 401, queries: 1 });
    const second = await fromAddress(address, generateApiKey());
    expect(second).toMatchObject({ status: 429, queries: 0 });
    expect((await errorOf(second.res)).code).toBe("too_many_failed_authentications");
  });

  it("send a hash of the address to the rate limiter, never the address", async () => {
    const key = await sharedLimitKey("203.0.113.99");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain("203.0.113.99");
  });
});

describe("failure windows and cache bounds", () => {
  it("end after the window", () => {
    const now = 5_000_000;
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) recordAuthFailure("a", now);
    expect(blockedForMs("a", now + 1)).toBe(AUTH_FAILURE_WINDOW_MS - 1);
    expect(blockedForMs("a", now + AUTH_FAILURE_WINDOW_MS)).toBe(0);
    recordAuthFailure("a", now + AUTH_FAILURE_WINDOW_MS);
    expect(blockedForMs("a", now + AUTH_FAILURE_WINDOW_MS)).toBe(0);
  });

  it("bucket IPv6 addresses by /64 and keep IPv4 whole", () => {
    expect(addressBucket("2001:DB8:0:0:1::5")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("2001:0db8:00aa:0001:1:2:3:4")).toBe("2001:db8:aa:1::/64");
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket(null)).toBe("unknown");
  });

  it("bucket IPv4-mapped and IPv4-compatible IPv6 addresses as the IPv4 address", () => {
    expect(addressBucket("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(addressBucket("::FFFF:5.6.7.8")).toBe("5.6.7.8");
    expect(addressBucket("0:0:0:0:0:ffff:102:304")).toBe("1.2.3.4");
    expect(addressBucket("::ffff:0506:0708")).toBe("5.6.7.8");
    expect(addressBucket("::1.2.3.4")).toBe("1.2.3.4");
    // Not IPv4: the unspecified and loopback addresses, and an ordinary /64 ending in a dotted quad.
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("2001:db8::1.2.3.4")).toBe("2001:db8:0:0::/64");
  });

  it("count an IPv6 /48 too, with a higher limit, so rotating through its /64s does not help", () => {
    const now = 11_000_000;
    const in48 = (i: number) => addressBucket(`2001:db8:5:${i.toString(16)}::1`);
    for (let i = 0; i < AUTH_FAILURE_PREFIX_LIMIT - 1; i++) recordAuthFailure(in48(i), now);
    expect(blockedForMs(in48(0xfffe), now)).toBe(0);
    recordAuthFailure(in48(AUTH_FAILURE_PREFIX_LIMIT), now);
    // Every /64 of the /48 is blocked, each having failed once; another /48 and IPv4 are not.
    expect(blockedForMs(in48(0xffff), now + 1)).toBe(AUTH_FAILURE_WINDOW_MS - 1);
    expect(blockedForMs(addressBucket("2001:db8:6::1"), now + 1)).toBe(0);
    expect(AUTH_FAILURE_PREFIX_LIMIT).toBeGreaterThan(AUTH_FAILURE_LIMIT);
  });

  it("keep a blocked address blocked when more addresses than the bound keep failing", () => {
    const now = 9_000_000;
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) recordAuthFailure("blocked", now);
    for (let i = 0; i < MAX_ADDRESSES + 10; i++) recordAuthFailure(`other-${i}`, now + 1);
    expect(blockedForMs("blocked", now + 2)).toBe(AUTH_FAILURE_WINDOW_MS - 2);
  });

  it("never let forged keys evict a valid key's cache entry", () => {
    const now = 7_000_000;
    const valid = { key: { id: "key_x" }, account: { id: "acct_x" } } as unknown as KeyWithAccount;
    putCached("valid-hash", valid, now);
    for (let i = 0; i < 10_001; i++) putCached(`forged-${i}`, null, now);
    expect(getCached("valid-hash", now)?.value).toBe(valid);
    expect(getCached("forged-0", now)).toBeUndefined();
    expect(getCached("forged-10000", now)?.value).toBeNull();
  });
});
