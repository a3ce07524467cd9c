import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { billingReceipts, usageLedger } from "../src/db/billing-schema";
import { billingDb, coreDb, logsDb } from "../src/db/client";
import { requestLogs } from "../src/db/logs-schema";
import { accounts, apiKeys, auditLog, consents, erasures } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { billingRowsOf, pseudonymsIn, rowsReferringTo, seedLogsAndBilling } from "./helpers/erasure";
import { admin, call, newCustomer } from "./helpers/router";

const core = coreDb(env.DB);
const logs = logsDb(env.LOGS_DB);
const billing = billingDb(env.BILLING_DB);

/** Everything the three databases hold about an account, to put back as a restore would. */
async function snapshotOf(accountId: string) {
  return {
    logs: await logs.select().from(requestLogs).where(eq(requestLogs.accountId, accountId)),
    ledger: await billing.select().from(usageLedger).where(eq(usageLedger.accountId, accountId)),
    receipts: await billing.select().from(billingReceipts).where(eq(billingReceipts.accountId, accountId)),
    account: (await core.select().from(accounts).where(eq(accounts.id, accountId)))[0]!,
    keys: await core.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)),
    consents: await core.select().from(consents).where(eq(consents.accountId, accountId)),
    audit: await core.select().from(auditLog).where(eq(auditLog.accountId, accountId)),
  };
}

describe("POST /admin/v1/erasures/reapply", () => {
  it("erases again, in all three databases, an account a restore brought back, with the journal saved before the restore", async () => {
    const now = Date.now();
    const a = await newCustomer();
    const b = await newCustomer();
    await seedLogsAndBilling(a.accountId, now);
    await seedLogsAndBilling(b.accountId, now, 99_000);
    const snapshot = await snapshotOf(a.accountId);
    const billingBefore = await billingRowsOf(a.accountId);
    const bBefore = await rowsReferringTo(b.accountId, "none@example.invalid");

    const pseudonymsBeforeErasure = await pseudonymsIn();
    const erased = await call("/v1/account?erase=now", { method: "DELETE", headers: { authorization: `Bearer ${a.key}` } });
    expect(erased.status).toBe(200);
    const journal = (await core.select().from(erasures)).map((e) => ({ subject_hash: e.subjectHash, erased_at: e.erasedAt }));
    expect(journal.map((e) => e.subject_hash)).toContain(await sha256Hex(a.accountId));
    const pseudonymOf = (await pseudonymsIn()).find((p) => !pseudonymsBeforeErasure.includes(p))!;

    // The restore: every database back to before the erasure, journal row included.
    await core.insert(accounts).values(snapshot.account);
    await core.insert(apiKeys).values(snapshot.keys);
    await core.insert(consents).values(snapshot.consents);
    await core.insert(auditLog).values(snapshot.audit);
    await core.delete(erasures);
    await logs.insert(requestLogs).values(snapshot.logs);
    await billing.delete(usageLedger).where(eq(usageLedger.accountId, pseudonymOf));
    await billing.delete(billingReceipts).where(eq(billingReceipts.accountId, pseudonymOf));
    await billing.insert(usageLedger).values(snapshot.ledger);
    await billing.insert(billingReceipts).values(snapshot.receipts);
    expect(await rowsReferringTo(a.accountId, snapshot.account.email)).toMatchObject({ "core.accounts(id)": 1, "logs.request_logs": 2, "billing.usage_ledger": 2 });
    const pseudonymsBefore = await pseudonymsIn();

    const res = await admin("POST", "/erasures/reapply", { journal });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { re_erased: number; found: Record<string, number>; logs_done: boolean };
    expect(report.re_erased).toBe(1);
    expect(report.found).toMatchObject({ accounts: 1, api_keys: 1, request_logs: 1, usage_ledger: 1, billing_receipts: 1 });
    expect(report.logs_done).toBe(true);

    expect(await rowsReferringTo(a.accountId, snapshot.account.email)).toEqual({});
    const fresh = (await pseudonymsIn()).filter((p) => !pseudonymsBefore.includes(p));
    expect(fresh).toHaveLength(1);
    expect(await billingRowsOf(fresh[0]!)).toEqual(billingBefore);
    // The saved journal is back in the restored core database.
    expect((await core.select().from(erasures)).map((e) => e.subjectHash)).toContain(await sha256Hex(a.accountId));
    expect(await rowsReferringTo(b.accountId, "none@example.invalid")).toEqual(bBefore);
    expect((await call("/v1/account/consent", { headers: { authorization: `Bearer ${b.key}` } })).status).toBe(200);
  });

  it("reads the core database's own journal when none is given, and refuses a malformed one", async () => {
    const res = await admin("POST", "/erasures/reapply", {});
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe("erasure.reapply");
    expect((await admin("POST", "/erasures/reapply", { journal: [{ subject_hash: "acct_plain_id", erased_at: 1 }] })).status).toBe(400);
  });
});
