import { describe, expect, it } from "vitest";
import { hasValidKeyFormat } from "../src/shared/api-key";
import { admin, call, errorOf } from "./helpers/router";
import { env } from "cloudflare:workers";

const email = () => `admin-test-${crypto.randomUUID().slice(0, 8)}@example.com`;

async function account(tier = "free") {
  const res = await admin("POST", "/accounts", { email: email(), name: "Ada", company: "Analytical Ltd", tier });
  return (await res.json()) as { id: string };
}

describe("operator API", () => {
  it("requires the admin token", async () => {
    const none = await call("/admin/v1/accounts", { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    const wrong = await call("/admin/v1/accounts", { method: "POST", headers: { authorization: "Bearer not-the-token" }, body: "{}" });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe("invalid_admin_token");
  });

  it("does not accept a customer key as admin token", async () => {
    const { id } = await account();
    const key = (await (await admin("POST", `/accounts/${id}/keys`, {})).json()) as { key: string };
    const res = await call("/admin/v1/accounts", { method: "POST", headers: { authorization: `Bearer ${key.key}` }, body: "{}" });
    expect(res.status).toBe(401);
  });

  it("creates an account: 201 with its fields", async () => {
    const addr = email();
    const res = await admin("POST", "/accounts", { email: addr, name: "Ada", company: "Analytical Ltd", tier: "pro", billing_address: { city: "Paris", country: "FR" } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      id: expect.stringMatching(/^acct_/),
      email: addr,
      name: "Ada",
      company: "Analytical Ltd",
      tier: "pro",
      status: "active",
      billing_address: { city: "Paris", country: "FR" },
      closed_at: null,
    });
  });

  it("rejects a duplicate email with 409", async () => {
    const addr = email();
    expect((await admin("POST", "/accounts", { email: addr, name: "A", tier: "free" })).status).toBe(201);
    const dup = await admin("POST", "/accounts", { email: addr, name: "B", tier: "free" });
    expect(dup.status).toBe(409);
    expect((await errorOf(dup)).code).toBe("account_exists");
  });

  it("validates the body and names the bad field", async () => {
    const bad = await admin("POST", "/accounts", { email: "not-an-email", name: "A", tier: "free" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).param).toBe("email");
    const tier = await admin("POST", "/accounts", { email: email(), name: "A", tier: "platinum" });
    expect((await errorOf(tier)).param).toBe("tier");
  });

  it("updates tier and status; 404 for an unknown account", async () => {
    const { id } = await account();
    const res = await admin("PATCH", `/accounts/${id}`, { tier: "enterprise", status: "warned", reason: "Spam reports" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, tier: "enterprise", status: "warned" });
    expect((await admin("PATCH", "/accounts/acct_missing", { tier: "pro" })).status).toBe(404);
    expect((await admin("PATCH", `/accounts/${id}`, { status: "deleted" })).status).toBe(400);
    expect((await admin("PATCH", `/accounts/${id}`, {})).status).toBe(400);
  });

  it("records an audit entry for each change, without content", async () => {
    const { id } = await account();
    await admin("PATCH", `/accounts/${id}`, { status: "warned", reason: "Spam reports" });
    const rows = await env.DB.prepare("select action, actor from audit_log where account_id = ? order by created_at").bind(id).all();
    expect(rows.results.map((r) => r.action)).toEqual(["account.create", "account.update"]);
  });

  it("creates a key shown once, stored only as its SHA-256", async () => {
    const { id } = await account();
    const res = await admin("POST", `/accounts/${id}/keys`, {
      name: "ci",
      expires_at: "2099-01-01T00:00:00Z",
      limits: { rpm: 10, concurrency: 2 },
      models: ["mistral/mistral-small-latest"],
      scopes: ["inference"],
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown> & { key: string; id: string; prefix: string };
    expect(hasValidKeyFormat(body.key)).toBe(true);
    expect(body).toMatchObject({
      name: "ci",
      status: "active",
      scopes: ["inference"],
      limits: { rpm: 10, tpm: null, concurrency: 2 },
      models: ["mistral/mistral-small-latest"],
      expires_at: "2099-01-01T00:00:00.000Z",
    });
    expect(body.key.startsWith(body.prefix)).toBe(true);
    const row = await env.DB.prepare("select * from api_keys where id = ?").bind(body.id).first<Record<string, unknown>>();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body.key)));
    expect(row?.key_hash).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    expect(JSON.stringify(row)).not.toContain(body.key);
  });

  it("defaults scopes to inference and manage", async () => {
    const { id } = await account();
    const body = (await (await admin("POST", `/accounts/${id}/keys`, {})).json()) as { scopes: string[] };
    expect(body.scopes).toEqual(["inference", "manage"]);
  });

  it("rejects unknown models, past expiry, bad limits and unknown accounts", async () => {
    const { id } = await account();
    const model = await admin("POST", `/accounts/${id}/keys`, { models: ["openai/not-a-model"] });
    expect(model.status).toBe(400);
    expect((await errorOf(model)).param).toBe("models[0]");
    const past = await admin("POST", `/accounts/${id}/keys`, { expires_at: "2001-01-01T00:00:00Z" });
    expect((await errorOf(past)).param).toBe("expires_at");
    const limits = await admin("POST", `/accounts/${id}/keys`, { limits: { rpm: 0 } });
    expect((await errorOf(limits)).param).toBe("limits.rpm");
    const scopes = await admin("POST", `/accounts/${id}/keys`, { scopes: ["root"] });
    expect((await errorOf(scopes)).param).toBe("scopes[0]");
    expect((await admin("POST", "/accounts/acct_missing/keys", {})).status).toBe(404);
  });

  it("finds an account by email, sent in the body of POST /accounts/lookup, in any letter case", async () => {
    const addr = email();
    await admin("POST", "/accounts", { email: addr, name: "A", tier: "free" });
    for (const asked of [addr, addr.toUpperCase()]) {
      const res = await admin("POST", "/accounts/lookup", { email: asked });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { email: string }[] }).data.map((a) => a.email)).toEqual([addr]);
    }
    const none = await admin("POST", "/accounts/lookup", { email: `nobody-${addr}` });
    expect(((await none.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("does not take an email in the URL", async () => {
    const res = await admin("GET", `/accounts?email=${encodeURIComponent(email())}`);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("email_in_query");
    expect(error.message).toContain("POST /admin/v1/accounts/lookup");
  });

  it("treats emails that differ only in letter case as one account, stored lower-cased", async () => {
    const local = `Case-${crypto.randomUUID().slice(0, 8)}`;
    const first = await admin("POST", "/accounts", { email: `${local}@Example.COM`, name: "A", tier: "free" });
    expect(first.status).toBe(201);
    expect(((await first.json()) as { email: string }).email).toBe(`${local.toLowerCase()}@example.com`);
    const second = await admin("POST", "/accounts", { email: `${local.toLowerCase()}@example.com`, name: "B", tier: "free" });
    expect(second.status).toBe(409);
    expect((await errorOf(second)).code).toBe("account_exists");
  });

  it("enforces case-insensitive uniqueness in the database itself", async () => {
    const addr = email();
    await env.DB.prepare("insert into accounts (id, email, name) values (?, ?, 'A')").bind(`acct_${crypto.randomUUID()}`, addr).run();
    const insertUpper = env.DB.prepare("insert into accounts (id, email, name) values (?, ?, 'B')").bind(`acct_${crypto.randomUUID()}`, addr.toUpperCase()).run();
    await expect(insertUpper).rejects.toThrow(/UNIQUE/);
  });
});
