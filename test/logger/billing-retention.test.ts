/**
 * Billing records under the retention cron: credit ledger entries are kept
 * BILLING_RETENTION_YEARS calendar years, applied Stripe event ids 30 days,
 * and an account closed 90 days ago is erased with its Stripe link while
 * its credit ledger stays, pseudonymised like its usage ledger.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createAccount } from "../../src/db/accounts";
import { creditLedger, usageLedger } from "../../src/db/billing-schema";
import { billingDb, coreDb } from "../../src/db/client";
import { PSEUDONYM_PREFIX } from "../../src/db/erasure";
import { accounts, billingAccounts, stripeEvents } from "../../src/db/schema";
import worker from "../../src/logger/index";
import { CLOSED_ACCOUNT_RETENTION_MS, STRIPE_EVENT_RETENTION_MS } from "../../src/shared/retention";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 15, 3, 17);
const core = coreDb(env.DB);
const billing = billingDb(env.BILLING_DB);

const runCron = () => worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "17 * * * *" }), env);

function entry(accountId: string, entryId: string, createdAt: number, amountNanoUsd: number) {
  return { entryId, accountId, kind: "topup" as const, amountNanoUsd, providerCostNanoUsd: 0, requests: 0, paidMinor: null, currency: null, reference: null, note: null, createdAt };
}

describe("billing retention", () => {
  it("keeps credit ledger entries 7 calendar years from their UTC day, and deletes older ones", async () => {
    const accountId = `acct_${crypto.randomUUID().replaceAll("-", "")}`;
    const firstKeptDay = Date.UTC(2019, 5, 15);
    await billing.insert(creditLedger).values([
      entry(accountId, `old-${accountId}`, firstKeptDay - 1, 1),
      entry(accountId, `kept-${accountId}`, firstKeptDay, 2),
    ]);
    await runCron();
    const left = await billing.select({ id: creditLedger.entryId }).from(creditLedger).where(eq(creditLedger.accountId, accountId));
    expect(left.map((r) => r.id)).toEqual([`kept-${accountId}`]);
  });

  it("forgets applied Stripe event ids after 30 days", async () => {
    const [old, recent] = [`evt_old_${crypto.randomUUID()}`, `evt_new_${crypto.randomUUID()}`];
    await core.insert(stripeEvents).values([
      { id: old, type: "invoice.paid", createdAt: NOW - STRIPE_EVENT_RETENTION_MS - DAY, processedAt: NOW - STRIPE_EVENT_RETENTION_MS - 1 },
      { id: recent, type: "invoice.paid", createdAt: NOW - DAY, processedAt: NOW - STRIPE_EVENT_RETENTION_MS + 60_000 },
    ]);
    await runCron();
    const left = await core.select({ id: stripeEvents.id }).from(stripeEvents).where(inArray(stripeEvents.id, [old, recent]));
    expect(left.map((r) => r.id)).toEqual([recent]);
  });

  it("erases an account closed 90 days ago with its Stripe link; its credit ledger stays under the usage ledger's pseudonym, sums intact", async () => {
    const account = (await createAccount(core, { email: `closed-${crypto.randomUUID()}@example.com`, name: "Closed", tier: "pro" }, "admin"))!;
    await core.insert(billingAccounts).values({ accountId: account.id, stripeCustomerId: `cus_${crypto.randomUUID()}`, subscriptionState: "canceled" });
    await core.update(accounts).set({ closedAt: NOW - CLOSED_ACCOUNT_RETENTION_MS - DAY }).where(eq(accounts.id, account.id));
    const amounts = [5_000_000_000, -1_234_567, -7_654_321];
    await billing.insert(creditLedger).values(amounts.map((a, i) => entry(account.id, `closure-${account.id}-${i}`, NOW - 100 * DAY + i, a)));
    await billing.insert(usageLedger).values({
      accountId: account.id, day: "2026-03-01", model: "openai/gpt-4o-mini", requests: 2, promptTokens: 1, completionTokens: 1,
      cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 8_888_888, providerCostNanoUsd: 8_000_000, updatedAt: NOW,
    });

    await runCron();

    expect(await core.select().from(billingAccounts).where(eq(billingAccounts.accountId, account.id))).toEqual([]);
    expect(await billing.select().from(creditLedger).where(eq(creditLedger.accountId, account.id))).toEqual([]);
    const kept = await billing.select().from(creditLedger).where(like(creditLedger.entryId, `closure-${account.id}-%`));
    expect(kept).toHaveLength(3);
    const pseudonym = kept[0]!.accountId;
    expect(pseudonym.startsWith(PSEUDONYM_PREFIX)).toBe(true);
    expect(kept.every((r) => r.accountId === pseudonym)).toBe(true);
    expect(kept.reduce((sum, r) => sum + r.amountNanoUsd, 0)).toBe(amounts.reduce((a, b) => a + b, 0));
    const usage = await billing.select().from(usageLedger).where(eq(usageLedger.accountId, pseudonym));
    expect(usage.map((r) => r.costNanoUsd)).toEqual([8_888_888]);
  });
});
