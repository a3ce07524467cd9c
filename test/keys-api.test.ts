import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { clearAuthCache } from "../src/router/auth-cache";
import { hasValidKeyFormat } from "../src/shared/api-key";
import { createdKey, keysApi, models, type KeyBody } from "./helpers/keys";
import { errorOf, newCustomer } from "./helpers/router";

beforeEach(() => clearAuthCache());

const auditOf = async (accountId: string) =>
  (await env.DB.prepare("select actor, action, target, details from audit_log where account_id = ? and action like 'key.%' order by created_at, rowid").bind(accountId).all<{ actor: string; action: string; target: string; details: string | null }>()).results;

describe("customer key API: create, read, list", () => {
  it("creates a key shown once, with no-store, that works at once", async () => {
    const { key: caller, keyId, accountId } = await newCustomer();
    const res = await keysApi(caller, "POST", "", { name: "ci" });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const created = (await res.json()) as KeyBody & { key: string };
    expect(hasValidKeyFormat(created.key)).toBe(true);
    expect(created).toMatchObject({ name: "ci", status: "active", scopes: ["inference", "manage"], rotation_due: false, replaced_by: null });
    expect((await models(created.key)).status).toBe(200);

    const read = await keysApi(caller, "GET", `/${created.id}`);
    expect(read.status).toBe(200);
    const text = await read.text();
    expect(text).not.toContain(created.key);
    expect(JSON.parse(text)).not.toHaveProperty("key");
    expect((await auditOf(accountId)).filter((a) => a.target === created.id)).toEqual([{ actor: `key:${keyId}`, action: "key.create", target: created.id, details: null }]);
  });

  it("lists the account's keys, revoked ones with their status, and never a hash or a key", async () => {
    const { key: caller, keyId, accountId } = await newCustomer();
    const second = await createdKey(caller, { name: "second" });
    expect((await keysApi(caller, "DELETE", `/${second.id}`)).status).toBe(200);
    const res = await keysApi(caller, "GET");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    const { data } = JSON.parse(text) as { data: KeyBody[] };
    expect(data.map((k) => [k.id, k.status]).sort()).toEqual([[keyId, "active"], [second.id, "revoked"]].sort());
    const hashes = await env.DB.prepare("select key_hash from api_keys where account_id = ?").bind(accountId).all<{ key_hash: string }>();
    expect(hashes.results).toHaveLength(2);
    for (const { key_hash } of hashes.results) expect(text).not.toContain(key_hash);
    expect(text).not.toContain(caller);
    expect(text).not.toContain(second.key);
  });

  it("answers 404 key_not_found for another account's key and for an unknown id, on every method", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    for (const id of [b.keyId, "key_unknown"]) {
      for (const [method, path, body] of [["GET", `/${id}`], ["PATCH", `/${id}`, { name: "x" }], ["DELETE", `/${id}`], ["POST", `/${id}/rotate`, {}]] as const) {
        const res = await keysApi(a.key, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await errorOf(res)).code).toBe("key_not_found");
      }
    }
    // B's key is untouched.
    expect((await models(b.key)).status).toBe(200);
  });

  it("refuses an inference-only key with 403 missing_scope", async () => {
    const { key: caller } = await newCustomer();
    const inferenceOnly = await createdKey(caller, { scopes: ["inference"] });
    for (const [method, path] of [["GET", ""], ["POST", ""], ["GET", `/${inferenceOnly.id}`]] as const) {
      const res = await keysApi(inferenceOnly.key, method, path, method === "POST" ? {} : undefined);
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("missing_scope");
    }
  });

  it("refuses models outside the catalogue with 400 naming the entry", async () => {
    const { key: caller } = await newCustomer();
    const res = await keysApi(caller, "POST", "", { models: ["openai/gpt-4o-mini", "nope/none"] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("models[1]");
  });
});

describe("customer key API: patch and revoke", () => {
  it("renames and narrows a key, auditing the field names", async () => {
    const { key: caller, keyId, accountId } = await newCustomer();
    const target = await createdKey(caller, { limits: { rpm: 100 } });
    const res = await keysApi(caller, "PATCH", `/${target.id}`, { name: "renamed", limits: { rpm: 50, tpm: 1000 }, models: ["openai/gpt-4o-mini"], data_region: "eu" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "renamed", limits: { rpm: 50, tpm: 1000, concurrency: null }, models: ["openai/gpt-4o-mini"], data_region: "eu" });
    const audit = (await auditOf(accountId)).filter((a) => a.action === "key.update");
    expect(audit).toEqual([{ actor: `key:${keyId}`, action: "key.update", target: target.id, details: JSON.stringify({ fields: ["name", "limits.rpm", "limits.tpm", "models", "data_region"] }) }]);
  });

  it("refuses a patch that widens the key with 400 cannot_broaden_key", async () => {
    const { key: caller } = await newCustomer();
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const target = await createdKey(caller, { limits: { rpm: 100 }, models: ["openai/gpt-4o-mini"], data_region: "eu", expires_at: soon });
    const cases: [Record<string, unknown>, string][] = [
      [{ limits: { rpm: 101 } }, "limits.rpm"],
      [{ limits: { rpm: null } }, "limits.rpm"],
      [{ models: ["openai/gpt-4o-mini", "mistral/mistral-small-latest"] }, "models"],
      [{ models: null }, "models"],
      [{ data_region: null }, "data_region"],
      [{ expires_at: new Date(Date.now() + 7200_000).toISOString() }, "expires_at"],
      [{ expires_at: null }, "expires_at"],
    ];
    for (const [body, param] of cases) {
      const res = await keysApi(caller, "PATCH", `/${target.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: "cannot_broaden_key", param });
    }
    const earlier = new Date(Date.now() + 1800_000).toISOString();
    const ok = await keysApi(caller, "PATCH", `/${target.id}`, { expires_at: earlier, limits: { rpm: 99 } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ expires_at: earlier, limits: { rpm: 99 } });
  });

  it("refuses an empty patch and scopes in a patch with 400", async () => {
    const { key: caller, keyId } = await newCustomer();
    expect((await keysApi(caller, "PATCH", `/${keyId}`, {})).status).toBe(400);
    const res = await keysApi(caller, "PATCH", `/${keyId}`, { scopes: ["inference"] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("unknown_parameter");
  });

  it("revokes a key: it fails at once on this isolate with 401 revoked_api_key; revoking again is 200", async () => {
    const { key: caller, keyId, accountId } = await newCustomer();
    const victim = await createdKey(caller);
    // Cached as valid on this isolate first.
    expect((await models(victim.key)).status).toBe(200);
    const res = await keysApi(caller, "DELETE", `/${victim.id}`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as KeyBody;
    expect(view).toMatchObject({ status: "revoked", revoked_reason: "customer" });
    expect(view.revoked_at).not.toBeNull();
    const after = await models(victim.key);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe("revoked_api_key");

    const again = await keysApi(caller, "DELETE", `/${victim.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(view);
    const revokes = (await auditOf(accountId)).filter((a) => a.action === "key.revoke");
    expect(revokes).toEqual([{ actor: `key:${keyId}`, action: "key.revoke", target: victim.id, details: JSON.stringify({ reason: "customer" }) }]);
    expect((await keysApi(caller, "PATCH", `/${victim.id}`, { name: "x" })).status).toBe(409);
  });

  it("lets a key revoke itself, after which it can manage nothing", async () => {
    const { key: caller, keyId } = await newCustomer();
    expect((await keysApi(caller, "DELETE", `/${keyId}`)).status).toBe(200);
    const res = await keysApi(caller, "GET");
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("revoked_api_key");
  });
});
