import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, admin, call, errorOf, newCustomer } from "./helpers/router";
import { limiterStub } from "./helpers/limiter";

const ledgerSum = async (accountId: string) =>
  (await env.BILLING_DB.prepare("select coalesce(sum(amount_nano_usd), 0) as total, count(*) as n from credit_ledger where account_id = ?").bind(accountId).first<{ total: number; n: number }>())!;

describe("POST /admin/v1/accounts/{id}/credits", () => {
  it("applies a signed adjustment and answers with the entry and the new balance", async () => {
    const c = await newCustomer({ credits: 0 });
    const grant = await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd: 12.5, note: "welcome", reference: "T-1" });
    expect(grant.status).toBe(201);
    expect(await grant.json()).toMatchObject({ object: "credit_adjustment", kind: "adjustment", amount_usd: 12.5, note: "welcome", reference: "T-1", balance_usd: 12.5 });
    const correction = await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd: -0.000000001 });
    expect(await correction.json()).toMatchObject({ amount_usd: -0.000000001, balance_usd: 12.499999999 });
    const state = await limiterStub(c.accountId).creditState();
    expect(state).toMatchObject({ balanceNano: 12_499_999_999, reservedNano: 0, availableNano: 12_499_999_999 });
    expect(state.pending.map((e) => e.amountNano)).toEqual([12_500_000_000, -1]);
  });

  it("refuses 0, more than 9 decimals, unknown fields and unknown accounts", async () => {
    const c = await newCustomer({ credits: 0 });
    for (const body of [{ amount_usd: 0 }, { amount_usd: 1.0000000001 }, { amount_usd: 1, extra: 1 }, { amount_usd: "1" }, { amount_usd: 2_000_000 }]) {
      expect((await admin("POST", `/accounts/${c.accountId}/credits`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin("POST", "/accounts/acct_00000000000000000000000000000000/credits", { amount_usd: 1 })).status).toBe(404);
    expect((await limiterStub(c.accountId).creditState()).balanceNano).toBe(0);
  });

  it("an Idempotency-Key makes a retry answer with the same entry, applied once", async () => {
    const c = await newCustomer({ credits: 0 });
    const post = (key: string, accountId = c.accountId) =>
      call(`/admin/v1/accounts/${accountId}/credits`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify({ amount_usd: 7, note: "goodwill" }) });
    const first = await post("ticket-42 retry-safe");
    expect(first.status).toBe(201);
    const entry = (await first.json()) as { id: string };
    expect(entry).toMatchObject({ applied: true, amount_usd: 7, balance_usd: 7 });
    // The id outlives the account's erasure in the ledger: it names no account.
    expect(entry.id).toMatch(/^admin:[0-9a-f]{64}$/);
    const retry = await post("ticket-42 retry-safe");
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ id: entry.id, applied: false, balance_usd: 7 });
    // Another key is another adjustment; the same key on another account is that account's own.
    expect(await (await post("ticket-43")).json()).toMatchObject({ applied: true, balance_usd: 14 });
    const other = await newCustomer({ credits: 0 });
    const elsewhere = (await (await post("ticket-42 retry-safe", other.accountId)).json()) as { id: string; applied: boolean };
    expect(elsewhere.applied).toBe(true);
    expect(elsewhere.id).not.toBe(entry.id);
    await limiterStub(c.accountId).flushLedger();
    expect(await ledgerSum(c.accountId)).toEqual({ total: 14_000_000_000, n: 2 });
  });

  it("refuses an empty, over-long or non-printable Idempotency-Key", async () => {
    const c = await newCustomer({ credits: 0 });
    for (const key of ["", "x".repeat(256), "tab\there", "caf\u00e9"]) {
      const res = await call(`/admin/v1/accounts/${c.accountId}/credits`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify({ amount_usd: 1 }) });
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect((await errorOf(res)).param).toBe("Idempotency-Key");
    }
    expect((await limiterStub(c.accountId).creditState()).balanceNano).toBe(0);
  });

  it("is in the customer's audit log: operator, entry id and amount, not the operator's note or reference", async () => {
    const c = await newCustomer({ credits: 0 });
    const auditLog = async () => {
      const res = await call("/v1/audit-log?limit=100", { headers: { authorization: `Bearer ${c.key}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { actor: string; action: string; target: string | null; details: unknown }[] }).data.filter((e) => e.action === "credits.adjust");
    };
    const grant = (await (await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd: 12.5, note: "private note", reference: "T-secret" })).json()) as { id: string };
    const correction = (await (await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd: -0.000000001 })).json()) as { id: string };
    // Refused adjustments change nothing and record nothing.
    expect((await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd: 0 })).status).toBe(400);
    // Both may share a millisecond (then their order is the random id's): compared by target.
    const entries = (await auditLog()).sort((x, y) => (x.target === grant.id ? -1 : y.target === grant.id ? 1 : 0));
    expect(entries).toEqual([
      { id: expect.any(String), object: "audit_log_entry", actor: "admin", action: "credits.adjust", target: grant.id, details: { amount_usd: 12.5 }, created_at: expect.any(String) },
      { id: expect.any(String), object: "audit_log_entry", actor: "admin", action: "credits.adjust", target: correction.id, details: { amount_usd: -0.000000001 }, created_at: expect.any(String) },
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/private note|T-secret/);
    // Each names a ledger entry the balance has.
    expect((await limiterStub(c.accountId).creditState()).pending.map((e) => e.entryId).sort()).toEqual([grant.id, correction.id].sort());
  });

  it("newCustomer grants $100 unless told otherwise", async () => {
    const c = await newCustomer();
    expect((await limiterStub(c.accountId).creditState()).balanceNano).toBe(100_000_000_000);
  });
});

describe("the limiter's credit ledger", () => {
  it("applies an entry id once, however often it is credited", async () => {
    const c = await newCustomer({ credits: 0 });
    const stub = limiterStub(c.accountId);
    const entry = { entryId: `stripe:${crypto.randomUUID()}`, accountId: c.accountId, kind: "topup" as const, amountNano: 5_000_000_000, paidMinor: 500, currency: "usd" };
    expect(await stub.credit(entry)).toEqual({ applied: true, balanceNano: 5_000_000_000 });
    expect(await stub.credit(entry)).toEqual({ applied: false, balanceNano: 5_000_000_000 });
    expect(await stub.flushLedger()).toBe(1);
    // Once flushed (no longer pending), the id is still known.
    expect(await stub.credit(entry)).toEqual({ applied: false, balanceNano: 5_000_000_000 });
    expect(await ledgerSum(c.accountId)).toEqual({ total: 5_000_000_000, n: 1 });
  });

  it("flushes pending entries to credit_ledger once, and only deletes them after the write", async () => {
    const c = await newCustomer({ credits: 0 });
    const stub = limiterStub(c.accountId);
    for (let i = 0; i < 25; i++) await stub.credit({ entryId: `t:${c.accountId}:${i}`, accountId: c.accountId, kind: "adjustment", amountNano: i + 1, note: "n" });
    expect((await stub.creditState()).pending).toHaveLength(25);
    expect(await stub.flushLedger()).toBe(25);
    expect((await stub.creditState()).pending).toHaveLength(0);
    expect(await stub.flushLedger()).toBe(0);
    expect(await ledgerSum(c.accountId)).toEqual({ total: (25 * 26) / 2, n: 25 });
  });

  it("stores the low-balance threshold", async () => {
    const c = await newCustomer({ credits: 0 });
    const stub = limiterStub(c.accountId);
    await stub.setLowBalanceThreshold(2_000_000_000);
    expect((await stub.creditState()).lowBalanceThresholdNano).toBe(2_000_000_000);
    await stub.setLowBalanceThreshold(null);
    expect((await stub.creditState()).lowBalanceThresholdNano).toBeNull();
  });
});
