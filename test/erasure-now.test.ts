import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { erasures } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { billingRowsOf, pseudonymsIn, rowsReferringTo, seedLogsAndBilling, tablesWithAccountId } from "./helpers/erasure";
import { admin, call, newCustomer, type Customer } from "./helpers/router";

const core = coreDb(env.DB);

const asKey = (key: string, method: string, path: string) => call(path, { method, headers: { authorization: `Bearer ${key}` } });

/** A customer with a consent, audit entries, log rows and billing rows in all three databases. */
async function customerWithData(): Promise<Customer & { email: string }> {
  const customer = await newCustomer();
  await seedLogsAndBilling(customer.accountId, Date.now());
  const { email } = (await core.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, customer.accountId) }))!;
  return { ...customer, email };
}

async function journalHas(accountId: string): Promise<boolean> {
  return (await core.select().from(erasures).where(eq(erasures.subjectHash, await sha256Hex(accountId)))).length === 1;
}

describe("DELETE /v1/account?erase=now", () => {
  it("checks every table with an account_id, in all three databases", async () => {
    const names = (await tablesWithAccountId()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["core.api_keys", "core.consents", "core.audit_log", "logs.request_logs", "billing.usage_ledger", "billing.billing_receipts"]));
  });

  it("leaves no row referring to the account, keeps billing amounts under one pseudonym, and refuses the keys at once", async () => {
    const a = await customerWithData();
    const b = await customerWithData();
    expect(await rowsReferringTo(a.accountId, a.email)).toMatchObject({ "core.api_keys": 1, "core.consents": 1, "logs.request_logs": 2, "billing.usage_ledger": 2 });
    const billingBefore = await billingRowsOf(a.accountId);
    const bBefore = await rowsReferringTo(b.accountId, b.email);
    const bBillingBefore = await billingRowsOf(b.accountId);
    const pseudonymsBefore = await pseudonymsIn();
    expect((await asKey(a.key, "GET", "/v1/account/consent")).status).toBe(200);

    const res = await asKey(a.key, "DELETE", "/v1/account?erase=now");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { object: string; erased_at: string; billing_records: string };
    expect(body).toEqual({ object: "account.erasure", erased_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), billing_records: "pseudonymised" });

    expect(await rowsReferringTo(a.accountId, a.email)).toEqual({});
    const pseudonyms = (await pseudonymsIn()).filter((p) => !pseudonymsBefore.includes(p));
    expect(pseudonyms).toHaveLength(1);
    expect(pseudonyms[0]).toMatch(/^erased_[0-9a-f]{32}$/);
    expect(await billingRowsOf(pseudonyms[0]!)).toEqual(billingBefore);
    expect(await journalHas(a.accountId)).toBe(true);

    // The key fails at once, in this isolate too (its auth cache held it).
    expect((await asKey(a.key, "GET", "/v1/account/consent")).status).toBe(401);
    expect((await asKey(b.key, "GET", "/v1/account/consent")).status).toBe(200);
    expect(await rowsReferringTo(b.accountId, b.email)).toEqual(bBefore);
    expect(await billingRowsOf(b.accountId)).toEqual(bBillingBefore);
  });

  it("refuses another value of erase, and erases nothing", async () => {
    const a = await customerWithData();
    const res = await asKey(a.key, "DELETE", "/v1/account?erase=later");
    expect(res.status).toBe(400);
    expect(await rowsReferringTo(a.accountId, a.email)).toMatchObject({ "core.accounts(id)": 1, "logs.request_logs": 2 });
  });
});

describe("POST /admin/v1/erasures", () => {
  it("erases an account on the operator's request the same way", async () => {
    const a = await customerWithData();
    const res = await admin("POST", "/erasures", { account_id: a.accountId });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe("account.erasure");
    expect(await rowsReferringTo(a.accountId, a.email)).toEqual({});
    expect((await asKey(a.key, "GET", "/v1/account/consent")).status).toBe(401);
  });

  it("answers 404 for an account that does not exist, without writing the journal", async () => {
    const accountId = `acct_${"0".repeat(32)}`;
    expect((await admin("POST", "/erasures", { account_id: accountId })).status).toBe(404);
    expect(await journalHas(accountId)).toBe(false);
  });
});
