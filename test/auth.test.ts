import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { generateApiKey } from "../src/shared/api-key";
import { AUTH_CACHE_TTL_MS, clearAuthCache, getCached, putCached } from "../src/router/auth-cache";
import { app } from "../src/router/app";
import { countingDb } from "./helpers/counting-db";
import { admin, call, errorOf, newCustomer } from "./helpers/router";

const models = (headers: Record<string, string>) => call("/v1/models", { headers });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Calls the app with a D1 binding that counts statements: /v1/models, or (`inference`) a chat completion, whose cached view the limiter checks. */
async function countedCall(key: string, inference = false) {
  const counted = countingDb(env.DB);
  const ctx = createExecutionContext();
  const init = inference
    ? { method: "POST", headers: { ...bearer(key), "content-type": "application/json" }, body: JSON.stringify({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] }) }
    : { headers: bearer(key) };
  const res = await app.request(inference ? "/v1/chat/completions" : "/v1/models", init, { ...env, DB: counted.db }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, queries: counted.count(), res };
}

beforeEach(() => clearAuthCache());

describe("API key authentication", () => {
  it("accepts a valid key in Authorization: Bearer", async () => {
    const { key } = await newCustomer();
    expect((await models(bearer(key))).status).toBe(200);
  });

  it("accepts a valid key in x-api-key (Anthropic clients)", async () => {
    const { key } = await newCustomer();
    expect((await models({ "x-api-key": key })).status).toBe(200);
  });

  it("rejects a missing key with 401 missing_api_key", async () => {
    const res = await models({});
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ type: "authentication_error", code: "missing_api_key" });
  });

  it("never accepts a key in the query string", async () => {
    const { key } = await newCustomer();
    for (const param of ["api_key", "key", "token"]) {
      const res = await call(`/v1/models?${param}=${key}`);
      expect(res.status).toBe(401);
    }
  });

  it("rejects a bad checksum with 401 without any D1 query", async () => {
    const { key } = await newCustomer();
    const forged = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
    const { status, queries } = await countedCall(forged);
    expect(status).toBe(401);
    expect(queries).toBe(0);
  });

  it("rejects a well-formed unknown key with 401 invalid_api_key", async () => {
    const res = await models(bearer(generateApiKey()));
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("invalid_api_key");
  });

  it("rejects a malformed Authorization header", async () => {
    const { key } = await newCustomer();
    expect((await models({ authorization: `Basic ${key}` })).status).toBe(401);
    expect((await models({ authorization: `Bearer ${key} extra` })).status).toBe(401);
  });

  it("rejects a revoked key with 401 revoked_api_key", async () => {
    const { key, keyId } = await newCustomer();
    await env.DB.prepare("update api_keys set status = 'revoked', revoked_at = ? where id = ?").bind(Date.now(), keyId).run();
    clearAuthCache();
    const res = await countedCall(key);
    expect(res.status).toBe(401);
    expect((await errorOf(res.res)).code).toBe("revoked_api_key");
  });

  it("rejects an expired key with 401 expired_api_key", async () => {
    const { key, keyId } = await newCustomer();
    await env.DB.prepare("update api_keys set expires_at = ? where id = ?").bind(Date.now() - 1000, keyId).run();
    clearAuthCache();
    const res = await countedCall(key);
    expect(res.status).toBe(401);
    expect((await errorOf(res.res)).code).toBe("expired_api_key");
  });

  it("rejects keys of a closed account with 401", async () => {
    const { key, accountId } = await newCustomer();
    await env.DB.prepare("update accounts set closed_at = ? where id = ?").bind(Date.now(), accountId).run();
    clearAuthCache();
    const res = await countedCall(key);
    expect(res.status).toBe(401);
    expect((await errorOf(res.res)).code).toBe("account_closed");
  });

  it("answers 403 for suspended and terminated accounts, at once after the change", async () => {
    for (const status of ["suspended", "terminated"] as const) {
      const { key, accountId } = await newCustomer();
      expect((await models(bearer(key))).status).toBe(200);
      expect((await admin("PATCH", `/accounts/${accountId}`, { status, reason: "AUP breach" })).status).toBe(200);
      const res = await models(bearer(key));
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toMatchObject({ type: "permission_error", code: `account_${status}` });
    }
  });

  it("lets warned and rate_limited accounts through (limits apply elsewhere)", async () => {
    const { key, accountId } = await newCustomer();
    await admin("PATCH", `/accounts/${accountId}`, { status: "warned", reason: "AUP breach" });
    expect((await models(bearer(key))).status).toBe(200);
  });

  it("requires the manage scope for account routes", async () => {
    const { key } = await newCustomer({ consent: false, key: { scopes: ["inference"] } });
    const res = await call("/v1/account/consent", { headers: bearer(key) });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("missing_scope");
  });
});

describe("warm path", () => {
  it("does not query D1 again for a recently validated key", async () => {
    const { key } = await newCustomer();
    const first = await countedCall(key, true);
    expect(first.status).toBe(200);
    expect(first.queries).toBeGreaterThan(0);
    const second = await countedCall(key, true);
    expect(second.status).toBe(200);
    expect(second.queries).toBe(0);
  });

  it("writes last_used_at once, not on every request", async () => {
    const { key, keyId } = await newCustomer();
    await countedCall(key, true); // lookup + last_used_at write
    const row = await env.DB.prepare("select last_used_at from api_keys where id = ?").bind(keyId).first<{ last_used_at: number | null }>();
    expect(row?.last_used_at).toBeGreaterThan(Date.now() - 60_000);
    const again = await countedCall(key, true);
    expect(again.queries).toBe(0);
  });

  it("trusts a cached entry for at most the 30 s staleness bound", () => {
    const now = 1_000_000;
    putCached("hash-x", null, now);
    expect(getCached("hash-x", now + AUTH_CACHE_TTL_MS)).toBeDefined();
    expect(getCached("hash-x", now + AUTH_CACHE_TTL_MS + 1)).toBeUndefined();
    expect(AUTH_CACHE_TTL_MS).toBeLessThanOrEqual(30_000);
  });

  it("sees a revocation written to D1 alone once the cache entry is older than the bound", async () => {
    const { key, keyId } = await newCustomer();
    expect((await countedCall(key, true)).status).toBe(200);
    await env.DB.prepare("update api_keys set status = 'revoked' where id = ?").bind(keyId).run();
    // Within the bound, and with the limiter not told (test/revocation.test.ts), an inference call may still use the cached entry...
    expect((await countedCall(key, true)).status).toBe(200);
    // ...which is dropped after it: simulate the passage of time by expiring the cache.
    clearAuthCache();
    expect((await countedCall(key, true)).status).toBe(401);
  });
});
