/**
 * Billing data in the GDPR export, and after erasure: the export holds the
 * account's credit ledger (never the provider cost), its Stripe link and its
 * keys' budgets; erasure deletes the Stripe link and keeps the credit
 * ledger under the pseudonym the usage ledger gets, every amount intact,
 * with no account id in an entry id and no operator note left.
 */
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { creditLedger, usageLedger, type CreditLedgerRow } from "../src/db/billing-schema";
import { billingDb, coreDb } from "../src/db/client";
import { PSEUDONYM_PREFIX } from "../src/db/erasure";
import { limiterFor } from "../src/limits/client";
import { apiKeys, billingAccounts } from "../src/db/schema";
import { csvObjects } from "./helpers/csv";
import { PROVIDER_COST_MARK, seedCredits, seedLedger } from "./helpers/export-seed";
import { ADMIN_TOKEN, call, newCustomer, type Customer } from "./helpers/router";

type Row = Record<string, unknown>;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const PERIOD_END = Date.UTC(2026, 11, 31);

/** A customer with 5 credit ledger entries (and no credit grant), 3 usage ledger rows, a Stripe link and a key budget. */
async function billedCustomer(): Promise<Customer> {
  const customer = await newCustomer({ credits: 0 });
  await seedCredits(customer.accountId, 5);
  await seedLedger(customer.accountId, 3);
  await coreDb(env.DB).insert(billingAccounts).values({
    accountId: customer.accountId, stripeCustomerId: `cus_${customer.accountId.slice(-12)}`, subscriptionId: "sub_123",
    subscriptionState: "active", currentPeriodEnd: PERIOD_END, lowBalanceThresholdNano: 2_500_000_000,
  });
  await coreDb(env.DB).update(apiKeys).set({ budgetNanoUsd: 40_000_000_000, budgetPeriod: "weekly" }).where(eq(apiKeys.id, customer.keyId));
  return customer;
}

describe("the export's billing data", () => {
  it("JSON: the credit ledger without provider cost, the Stripe link, the key's budget", async () => {
    const c = await billedCustomer();
    const text = await (await call("/v1/account/export?format=json", { headers: bearer(c.key) })).text();
    const doc = JSON.parse(text) as Record<string, Row[]>;
    expect(doc.credit_ledger!.map((e) => e.kind)).toEqual(["topup", "usage", "usage", "usage", "adjustment"]);
    expect(doc.credit_ledger![0]).toMatchObject({ amount_nano_usd: 10_000_000_000, paid_minor: 1000, currency: "usd", reference: `cs_test_${c.accountId.slice(-8)}` });
    expect(doc.credit_ledger![4]).toMatchObject({ kind: "adjustment", note: "support ticket 42", reference: "=goodwill" });
    expect(doc.credit_ledger!.reduce((sum, e) => sum + (e.amount_nano_usd as number), 0)).toBe(10_000_000_000 - 30_000_000 + 500_000_000);
    expect(doc.billing_account).toEqual([
      expect.objectContaining({
        stripe_customer_id: `cus_${c.accountId.slice(-12)}`, subscription_id: "sub_123", subscription_state: "active",
        current_period_end: new Date(PERIOD_END).toISOString(), cancel_at_period_end: false, low_balance_threshold_nano_usd: 2_500_000_000,
      }),
    ]);
    expect(doc.keys!.find((k) => k.id === c.keyId)).toMatchObject({ budget_nano_usd: 40_000_000_000, budget_period: "weekly" });
    // The operator's margin is no part of the customer's data.
    expect(text).not.toContain("provider_cost");
    expect(text).not.toContain(String(PROVIDER_COST_MARK));
  });

  it("CSV: credit_ledger.csv and billing_account.csv, a formula-like reference made inert, no provider cost", async () => {
    const c = await billedCustomer();
    const files = unzipSync(new Uint8Array(await (await call("/v1/account/export?format=csv", { headers: bearer(c.key) })).arrayBuffer()));
    const decoder = new TextDecoder();
    const credits = csvObjects(decoder.decode(files["credit_ledger.csv"]));
    expect(credits.rows).toHaveLength(5);
    expect(credits.header).not.toContain("provider_cost_nano_usd");
    expect(credits.rows.at(-1)!.reference).toBe("'=goodwill");
    expect(csvObjects(decoder.decode(files["billing_account.csv"])).rows).toEqual([expect.objectContaining({ subscription_state: "active" })]);
    for (const [name, bytes] of Object.entries(files)) expect(decoder.decode(bytes), name).not.toContain(String(PROVIDER_COST_MARK));
  });

  it("holds a top-up made just before, still pending in the limiter object, once, in JSON and CSV", async () => {
    const c = await billedCustomer();
    const limiter = limiterFor(env, c.accountId);
    const topup = { entryId: `stripe:topup:cs_test_just_now_${c.accountId.slice(-8)}`, accountId: c.accountId, kind: "topup" as const, amountNano: 25_000_000_000, paidMinor: 2500, currency: "usd", reference: "cs_test_just_now" };
    await limiter.credit(topup);
    expect((await limiter.creditState()).pending.map((e) => e.entryId)).toEqual([topup.entryId]);

    const doc = JSON.parse(await (await call("/v1/account/export?format=json", { headers: bearer(c.key) })).text()) as Record<string, Row[]>;
    expect(doc.credit_ledger!.map((e) => e.kind)).toEqual(["topup", "usage", "usage", "usage", "adjustment", "topup"]);
    expect(doc.credit_ledger!.at(-1)).toEqual({
      entry_id: topup.entryId, kind: "topup", amount_nano_usd: 25_000_000_000, requests: 0, paid_minor: 2500, currency: "usd",
      reference: "cs_test_just_now", note: null, created_at: expect.any(String),
    });
    const files = unzipSync(new Uint8Array(await (await call("/v1/account/export?format=csv", { headers: bearer(c.key) })).arrayBuffer()));
    const csv = csvObjects(new TextDecoder().decode(files["credit_ledger.csv"]));
    expect(csv.rows.map((r) => r.entry_id)).toEqual(doc.credit_ledger!.map((e) => e.entry_id));
    expect(csv.rows.at(-1)).toMatchObject({ entry_id: topup.entryId, kind: "topup", amount_nano_usd: "25000000000", paid_minor: "2500" });

    // Written to the billing database but not yet deleted from the object (the alarm between its two steps): once.
    const exportedIds = async () =>
      (JSON.parse(await (await call("/v1/account/export?format=json", { headers: bearer(c.key) })).text()) as Record<string, Row[]>).credit_ledger!.map((e) => e.entry_id);
    await billingDb(env.BILLING_DB).insert(creditLedger).values({
      entryId: topup.entryId, accountId: c.accountId, kind: "topup", amountNanoUsd: topup.amountNano, paidMinor: 2500, currency: "usd",
      reference: topup.reference, createdAt: Date.parse(doc.credit_ledger!.at(-1)!.created_at as string),
    });
    expect((await limiter.creditState()).pending).toHaveLength(1);
    expect(await exportedIds()).toEqual(doc.credit_ledger!.map((e) => e.entry_id));
    // And once the object has let it go.
    await limiter.flushLedger();
    expect((await limiter.creditState()).pending).toEqual([]);
    expect(await exportedIds()).toEqual(doc.credit_ledger!.map((e) => e.entry_id));
  });
});

describe("erasure of billing data", () => {
  it("deletes the Stripe link and keeps every credit ledger entry under the usage ledger's pseudonym, sums intact", async () => {
    const c = await billedCustomer();
    const billing = billingDb(env.BILLING_DB);
    const before = await billing.select().from(creditLedger).where(eq(creditLedger.accountId, c.accountId));
    const res = await call("/v1/account?erase=now", { method: "DELETE", headers: bearer(c.key) });
    expect(res.status).toBe(200);

    expect(await coreDb(env.DB).select().from(billingAccounts).where(eq(billingAccounts.accountId, c.accountId))).toEqual([]);
    expect(await billing.select().from(creditLedger).where(eq(creditLedger.accountId, c.accountId))).toEqual([]);
    const after = await billing.select().from(creditLedger).where(inArray(creditLedger.entryId, before.map((r) => r.entryId)));
    const pseudonym = after[0]!.accountId;
    expect(pseudonym.startsWith(PSEUDONYM_PREFIX)).toBe(true);
    // Every row as it was, the account id and the operator's free text aside (the note; an adjustment's reference): kinds, amounts, provider costs, Stripe references, times.
    const sameExceptPerson = (rows: CreditLedgerRow[]) =>
      rows.map((r) => ({ ...r, accountId: "", note: null, reference: r.kind === "adjustment" ? null : r.reference })).sort((x, y) => x.createdAt - y.createdAt);
    expect(sameExceptPerson(after)).toEqual(sameExceptPerson(before));
    expect(after.every((r) => r.accountId === pseudonym && r.note === null)).toBe(true);
    expect(after.find((r) => r.kind === "adjustment")?.reference).toBeNull();
    expect(after.find((r) => r.kind === "topup")?.reference).toMatch(/^cs_test_/);
    const usage = await billing.select().from(usageLedger).where(eq(usageLedger.accountId, pseudonym));
    expect(usage).toHaveLength(3);
  });

  it("leaves neither the account id in an entry id nor the operator's note, flushed or still pending at the erasure", async () => {
    const c = await newCustomer({ credits: 0 });
    const note = `refund for ${c.accountId}, asked by Jane Example`;
    const adjust = (key: string) =>
      call(`/admin/v1/accounts/${c.accountId}/credits`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify({ amount_usd: 3, note, reference: "ticket of Jane Example" }) });
    const flushed = (await (await adjust("ticket-1")).json()) as { id: string };
    const limiter = limiterFor(env, c.accountId);
    await limiter.flushLedger();
    const pending = (await (await adjust("ticket-2")).json()) as { id: string };
    expect((await limiter.creditState()).pending.map((e) => e.entryId)).toEqual([pending.id]);

    expect((await call("/v1/account?erase=now", { method: "DELETE", headers: bearer(c.key) })).status).toBe(200);
    await limiter.flushLedger();
    const rows = await billingDb(env.BILLING_DB).select().from(creditLedger).where(inArray(creditLedger.entryId, [flushed.id, pending.id]));
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.accountId)).size).toBe(1);
    expect(rows[0]!.accountId.startsWith(PSEUDONYM_PREFIX)).toBe(true);
    expect(rows.map((r) => r.amountNanoUsd)).toEqual([3_000_000_000, 3_000_000_000]);
    for (const r of rows) {
      expect(r.entryId).not.toContain(c.accountId);
      expect(r.note).toBeNull();
      expect(r.reference).toBeNull();
      expect(JSON.stringify(r)).not.toContain("Jane Example");
    }
  });

  it("closure keeps the limiter's pending entries under the account id, in its export, until the erasure 90 days later", async () => {
    // newCustomer's $100 grant is an entry the object holds until its alarm writes it.
    const c = await newCustomer();
    const res = await call("/v1/account", { method: "DELETE", headers: bearer(c.key) });
    expect(res.status).toBe(200);
    await limiterFor(env, c.accountId).flushLedger();
    const rows = await billingDb(env.BILLING_DB).select().from(creditLedger).where(eq(creditLedger.accountId, c.accountId));
    expect(rows.map((r) => r.amountNanoUsd)).toEqual([100_000_000_000]);
  });
});
