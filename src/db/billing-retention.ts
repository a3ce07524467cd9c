/**
 * Retention of the billing records Stripe and the credits add (the logger's
 * cron, src/logger/retention.ts): credit ledger entries are kept
 * BILLING_RETENTION_YEARS calendar years like the usage ledger; applied
 * Stripe event ids STRIPE_EVENT_RETENTION_MS.
 */
import { inArray, lt } from "drizzle-orm";
import { creditLedger } from "./billing-schema";
import { deleteInChunks, type PurgeResult } from "./chunks";
import type { BillingDb, CoreDb } from "./client";
import { stripeEvents } from "./schema";

/** Deletes credit ledger entries made before `cutoff` (ms, the start of the first UTC day still kept), in bounded chunks. */
export function purgeCreditLedgerBefore(db: BillingDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  const t = creditLedger;
  return deleteInChunks(async (limit) => {
    const ids = db.select({ id: t.entryId }).from(t).where(lt(t.createdAt, cutoff)).limit(limit);
    const res = await db.delete(t).where(inArray(t.entryId, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}

/** Deletes the records of Stripe events applied before `cutoff` (index stripe_events_processed_idx). */
export function purgeStripeEventsBefore(db: CoreDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  const t = stripeEvents;
  return deleteInChunks(async (limit) => {
    const ids = db.select({ id: t.id }).from(t).where(lt(t.processedAt, cutoff)).limit(limit);
    const res = await db.delete(t).where(inArray(t.id, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}
