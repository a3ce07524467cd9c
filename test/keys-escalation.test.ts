/** "A key cannot grant more than the key that creates it": creating, patching and rotating. */
import { beforeEach, describe, expect, it } from "vitest";
import { clearAuthCache } from "../src/router/auth-cache";
import { createdKey, keysApi, type KeyBody } from "./helpers/keys";
import { errorOf, newCustomer } from "./helpers/router";

beforeEach(() => clearAuthCache());

const HOUR = 3600_000;

/** A manage key with every kind of bound, made by the operator (who may grant anything). */
async function boundedCaller() {
  const expiresAt = new Date(Date.now() + 2 * HOUR);
  const customer = await newCustomer({
    key: { scopes: ["manage"], limits: { rpm: 10, tpm: 1000 }, models: ["openai/gpt-4o-mini"], data_region: "eu", expires_at: expiresAt.toISOString() },
  });
  return { ...customer, expiresAt };
}

async function expectExceeds(res: Response, param: string) {
  expect(res.status, param).toBe(403);
  expect(await errorOf(res)).toMatchObject({ type: "permission_error", code: "key_exceeds_caller", param });
}

describe("no escalation on create", () => {
  it("a key left unspecified takes the caller's own bounds", async () => {
    const { key, expiresAt } = await boundedCaller();
    const created = await createdKey(key);
    expect(created).toMatchObject({
      scopes: ["manage"],
      limits: { rpm: 10, tpm: 1000, concurrency: null },
      models: ["openai/gpt-4o-mini"],
      data_region: "eu",
      expires_at: expiresAt.toISOString(),
    });
  });

  it("refuses a broader scope, limit, model list, region or expiry with 403 key_exceeds_caller", async () => {
    const { key } = await boundedCaller();
    const later = new Date(Date.now() + 3 * HOUR).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ scopes: ["inference"] }, "scopes"],
      [{ scopes: ["manage", "inference"] }, "scopes"],
      [{ limits: { rpm: 11 } }, "limits.rpm"],
      [{ limits: { rpm: null } }, "limits.rpm"],
      [{ limits: { tpm: 1001 } }, "limits.tpm"],
      [{ models: ["openai/gpt-4o-mini", "mistral/mistral-small-latest"] }, "models"],
      [{ models: null }, "models"],
      [{ data_region: null }, "data_region"],
      [{ expires_at: later }, "expires_at"],
      [{ expires_at: null }, "expires_at"],
    ];
    for (const [body, param] of cases) await expectExceeds(await keysApi(key, "POST", "", body), param);
    // Nothing was created by the refused calls: only the caller is listed.
    const list = (await (await keysApi(key, "GET")).json()) as { data: KeyBody[] };
    expect(list.data).toHaveLength(1);
  });

  it("accepts anything narrower, and a limit where the caller has its tier's (null)", async () => {
    const { key } = await boundedCaller();
    const soon = new Date(Date.now() + HOUR).toISOString();
    const created = await createdKey(key, { limits: { rpm: 5, concurrency: 3 }, expires_at: soon });
    expect(created).toMatchObject({ limits: { rpm: 5, tpm: 1000, concurrency: 3 }, expires_at: soon });
  });
});

describe("no escalation on patch and rotate", () => {
  it("refuses to patch another key beyond the caller, even where that key is broader still", async () => {
    const { key, keyId } = await newCustomer();
    // A broad key (both scopes, no bounds) made by the unbounded first key...
    const broad = await createdKey(key, { name: "broad" });
    // ...and a narrower manage key.
    const narrow = await createdKey(key, { scopes: ["manage"], limits: { rpm: 10 } });
    // Lowering the broad key's rpm to 50 narrows it but still exceeds the narrow caller's 10.
    await expectExceeds(await keysApi(narrow.key, "PATCH", `/${broad.id}`, { limits: { rpm: 50 } }), "limits.rpm");
    const ok = await keysApi(narrow.key, "PATCH", `/${broad.id}`, { limits: { rpm: 10 } });
    expect(ok.status).toBe(200);
    // A rename touches no bound.
    expect((await keysApi(narrow.key, "PATCH", `/${keyId}`, { name: "first" })).status).toBe(200);
  });

  it("refuses to rotate a key broader than the caller, which may still revoke it", async () => {
    const { key, keyId } = await newCustomer();
    const narrow = await createdKey(key, { scopes: ["manage"] });
    await expectExceeds(await keysApi(narrow.key, "POST", `/${keyId}/rotate`, {}), "scopes");
    expect((await keysApi(narrow.key, "DELETE", `/${keyId}`)).status).toBe(200);
  });

  it("judges by the caller as stored now, not as this isolate's cache remembers it", async () => {
    const { key, keyId } = await newCustomer();
    const second = await createdKey(key);
    // Warm the cache for the first key, then narrow it through the second.
    expect((await keysApi(key, "GET")).status).toBe(200);
    expect((await keysApi(second.key, "PATCH", `/${keyId}`, { limits: { rpm: 5 } })).status).toBe(200);
    await expectExceeds(await keysApi(key, "POST", "", { limits: { rpm: 6 } }), "limits.rpm");
  });
});
