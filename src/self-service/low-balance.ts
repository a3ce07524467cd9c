/**
 * The low-balance notice setting: the customer asks to be mailed when their
 * prepaid balance falls below an amount (PUT /v1/credits/notice, the
 * console's billing page). D1 keeps the setting (billing_accounts), the
 * account's limiter object, which holds the balance, acts on it: when a
 * settlement takes the balance from at or above the threshold to below it,
 * its alarm mails one notice (src/billing/low-balance.ts).
 */
import { z } from "zod";
import { nanoToUsd, usdToNano } from "../billing/money";
import { auditInsert } from "../db/accounts";
import type { CoreDb } from "../db/client";
import { billingAccounts } from "../db/schema";
import { limiterFor, type LimiterEnv } from "../limits/client";
import { positiveUsd } from "./budget";

/** Highest threshold: far above any real balance, exact as nano-USD. */
export const MAX_NOTICE_USD = 1_000_000;

/** PUT /v1/credits/notice; null turns the notice off. */
export const lowBalanceNoticeBody = z
  .object({ threshold_usd: positiveUsd(MAX_NOTICE_USD).nullable() })
  .strict()
  .transform((b) => ({ thresholdNano: b.threshold_usd === null ? null : usdToNano(b.threshold_usd) }));

export const lowBalanceNoticeView = (thresholdNano: number | null) => ({
  object: "low_balance_notice",
  threshold_usd: thresholdNano === null ? null : nanoToUsd(thresholdNano),
});

/**
 * Stores the threshold (audited) and tells the limiter object. D1 first: if
 * the object cannot be reached the call fails and the customer retries; the
 * object then still acts on the previous threshold, never on none.
 */
export async function setLowBalanceNotice(db: CoreDb, limiter: LimiterEnv, accountId: string, thresholdNano: number | null, actor: string): Promise<void> {
  const now = Date.now();
  await db.batch([
    db
      .insert(billingAccounts)
      .values({ accountId, lowBalanceThresholdNano: thresholdNano, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: billingAccounts.accountId, set: { lowBalanceThresholdNano: thresholdNano, updatedAt: now } }),
    auditInsert(db, { accountId, actor, action: "billing.low_balance_notice", target: accountId, details: { fields: ["threshold_usd"] } }),
  ]);
  await limiterFor(limiter, accountId).setLowBalanceThreshold(thresholdNano);
}

/** The stored threshold (nano-USD), or null when no notice is set. */
export async function lowBalanceThreshold(db: CoreDb, accountId: string): Promise<number | null> {
  const row = await db.query.billingAccounts.findFirst({ columns: { lowBalanceThresholdNano: true }, where: (b, { eq }) => eq(b.accountId, accountId) });
  return row?.lowBalanceThresholdNano ?? null;
}
