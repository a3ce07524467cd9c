import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { accounts, auditLog } from "../src/db/schema";
import { CLOSED_ACCOUNT_RETENTION_MS } from "../src/shared/retention";
import { admin, call, errorOf, newCustomer, type Customer } from "./helpers/router";

const core = coreDb(env.DB);

const chat = (key: string) =>
  call("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] }),
  });

function account(key: string, method = "GET", body?: unknown, query = ""): Promise<Response> {
  return call(`/v1/account${query}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

interface Profile {
  id: string;
  object: string;
  email: string;
  name: string;
  company: string | null;
  billing_address: Record<string, string> | null;
  pending_email: string | null;
  restricted: boolean;
  restricted_at: string | null;
  closed_at: string | null;
  consent: { non_eu_transfer: boolean; recorded_at: string | null };
  communication: { product_updates: boolean; recorded_at: string | null; service_notices: boolean };
}

const emailOf = async (c: Customer) => (await core.query.accounts.findFirst({ where: eq(accounts.id, c.accountId) }))!.email;
const auditOf = (c: Customer, action: string) =>
  core.select().from(auditLog).where(and(eq(auditLog.accountId, c.accountId), eq(auditLog.action, action)));

describe("GET /v1/account", () => {
  it("shows the profile with restriction, consent, communication preferences and pending email, never cached", async () => {
    const customer = await newCustomer();
    const res = await account(customer.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const profile = (await res.json()) as Profile;
    expect(profile).toMatchObject({
      id: customer.accountId,
      object: "account",
      email: await emailOf(customer),
      name: "Test User",
      pending_email: null,
      restricted: false,
      restricted_at: null,
      closed_at: null,
      consent: { non_eu_transfer: true },
      communication: { product_updates: false, recorded_at: null, service_notices: true },
    });
    expect(profile.consent.recorded_at).not.toBeNull();
  });
});

describe("PATCH /v1/account (rectification)", () => {
  it("corrects name, company and billing address, and audits the field names without their values", async () => {
    const customer = await newCustomer();
    const address = { line1: "1 Rue Canary", city: "Lyon-canary", postal_code: "69001", country: "FR" };
    const res = await account(customer.key, "PATCH", { name: "Ada Canary", company: "Canary SAS", billing_address: address });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ name: "Ada Canary", company: "Canary SAS", billing_address: address });
    expect(await (await account(customer.key)).json()).toMatchObject({ name: "Ada Canary", company: "Canary SAS", billing_address: address });

    const audit = await auditOf(customer, "account.update");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: `key:${customer.keyId}`, target: customer.accountId, details: { fields: ["name", "company", "billing_address"] } });
    expect(JSON.stringify(audit)).not.toMatch(/canary/i);
  });

  it("clears company and billing address with null, and leaves absent fields alone", async () => {
    const customer = await newCustomer();
    await account(customer.key, "PATCH", { company: "Ltd", billing_address: { country: "DE" } });
    const res = await account(customer.key, "PATCH", { company: null, billing_address: null });
    expect(await res.json()).toMatchObject({ name: "Test User", company: null, billing_address: null });
  });

  const invalid: [string, unknown, string | null, string][] = [
    ["an empty body", {}, null, "invalid_value"],
    ["a field the customer cannot set", { tier: "enterprise" }, "tier", "unknown_parameter"],
    ["an empty name", { name: "" }, "name", "invalid_value"],
    ["a lower-case country", { billing_address: { country: "fr" } }, "billing_address.country", "invalid_value"],
    ["a code no country has", { billing_address: { country: "XX" } }, "billing_address.country", "invalid_value"],
    ["a reserved code", { billing_address: { country: "UK" } }, "billing_address.country", "invalid_value"],
    ["an unknown address field", { billing_address: { state: "Bavaria" } }, "billing_address.state", "unknown_parameter"],
    ["an invalid email", { email: "not-an-email" }, "email", "invalid_value"],
  ];
  for (const [name, body, param, code] of invalid) {
    it(`refuses ${name} with 400 naming the field`, async () => {
      const customer = await newCustomer({ consent: false });
      const res = await account(customer.key, "PATCH", body);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", param, code });
      expect(await auditOf(customer, "account.update")).toHaveLength(0);
    });
  }

  it("checks the country the same way when the operator creates an account", async () => {
    const res = await admin("POST", "/accounts", { email: `cc-${crypto.randomUUID()}@example.com`, name: "X", tier: "free", billing_address: { country: "de" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("billing_address.country");
  });

  it("keeps a new email pending, never in use, until confirmed from that address", async () => {
    const customer = await newCustomer({ consent: false });
    const before = await emailOf(customer);
    const res = await account(customer.key, "PATCH", { email: "New.Address@Example.COM" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: before, pending_email: "new.address@example.com" });
    expect(await emailOf(customer)).toBe(before);
    const audit = await auditOf(customer, "account.update");
    expect(audit[0]!.details).toEqual({ fields: ["pending_email"] });
    expect(JSON.stringify(audit)).not.toContain("new.address");

    // Asking for the address already in use drops the pending one.
    const back = await account(customer.key, "PATCH", { email: before.toUpperCase() });
    expect(await back.json()).toMatchObject({ email: before, pending_email: null });
  });

  it("takes another account's email as pending like any other, naming no account", async () => {
    const customer = await newCustomer({ consent: false });
    const other = await newCustomer({ consent: false });
    const taken = await emailOf(other);
    const res = await account(customer.key, "PATCH", { email: taken.toUpperCase(), name: "Changed" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ name: "Changed", pending_email: taken });
    expect(JSON.stringify(body)).not.toContain(other.accountId);
    // Pending only: the other account keeps it, and this one its own.
    expect(await emailOf(other)).toBe(taken);
    expect(await emailOf(customer)).not.toBe(taken);
  });
});

describe("DELETE /v1/account (closure)", () => {
  it("closes the account: every key fails at once, erasure is due 90 days later", async () => {
    const customer = await newCustomer();
    const inferenceKey = (await (await admin("POST", `/accounts/${customer.accountId}/keys`, { scopes: ["inference"] })).json()) as { key: string };
    expect((await chat(inferenceKey.key)).status).toBe(200);

    const res = await account(customer.key, "DELETE");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; closed: boolean; closed_at: string; erasure_due_at: string };
    expect(body).toMatchObject({ id: customer.accountId, object: "account", closed: true });
    const stored = await core.query.accounts.findFirst({ where: eq(accounts.id, customer.accountId) });
    expect(stored!.closedAt).toBe(Date.parse(body.closed_at));
    expect(Date.parse(body.erasure_due_at) - Date.parse(body.closed_at)).toBe(CLOSED_ACCOUNT_RETENTION_MS);

    // Both keys were validated (and cached) before; both fail on the next request.
    expect(await errorOf(await account(customer.key))).toMatchObject({ code: "account_closed" });
    const refused = await chat(inferenceKey.key);
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).code).toBe("account_closed");

    expect(await auditOf(customer, "account.close")).toMatchObject([{ actor: `key:${customer.keyId}`, target: customer.accountId }]);
  });
});

describe("scopes", () => {
  const routes: [string, string, unknown][] = [
    ["GET", "/v1/account", undefined],
    ["PATCH", "/v1/account", { name: "x" }],
    ["DELETE", "/v1/account", undefined],
    ["GET", "/v1/account/restriction", undefined],
    ["PUT", "/v1/account/restriction", { restricted: true }],
    ["GET", "/v1/account/communication", undefined],
    ["PUT", "/v1/account/communication", { product_updates: true }],
  ];

  it("refuses an inference-only key with 403 missing_scope and changes nothing", async () => {
    const customer = await newCustomer({ consent: false, key: { scopes: ["inference"] } });
    for (const [method, path, body] of routes) {
      const res = await call(path, {
        method,
        headers: { authorization: `Bearer ${customer.key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await errorOf(res)).code, `${method} ${path}`).toBe("missing_scope");
    }
    const stored = await core.query.accounts.findFirst({ where: eq(accounts.id, customer.accountId) });
    expect(stored).toMatchObject({ closedAt: null, restrictedAt: null, name: "Test User" });
  });

  it("refuses a request without a key with 401", async () => {
    for (const [method, path] of routes) {
      const res = await call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });
});
