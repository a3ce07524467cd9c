/**
 * Reads of the credit ledger (src/db/billing-schema.ts creditLedger) for the
 * customer's view of their credits: newest first, keyset-paginated on the
 * account index (account_id, created_at) with the entry id as tie-break.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { creditLedger, type CreditLedgerRow } from "./billing-schema";
import type { BillingDb } from "./client";

/** A position in the newest-first order: entries strictly older than it come after it. */
export interface LedgerCursor {
  createdAt: number;
  entryId: string;
}

/** At most `limit` of the account's entries older than `before` (null: the newest), newest first. */
export function ledgerEntriesBefore(db: BillingDb, accountId: string, before: LedgerCursor | null, limit: number): Promise<CreditLedgerRow[]> {
  const t = creditLedger;
  const older = before ? sql`(${t.createdAt}, ${t.entryId}) < (${before.createdAt}, ${before.entryId})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), older)).orderBy(desc(t.createdAt), desc(t.entryId)).limit(limit);
}

/** Where one of the account's entries sits in the order; null when the account has no such entry. */
export async function ledgerCursorOf(db: BillingDb, accountId: string, entryId: string): Promise<LedgerCursor | null> {
  const t = creditLedger;
  const [row] = await db
    .select({ createdAt: t.createdAt, entryId: t.entryId })
    .from(t)
    .where(and(eq(t.entryId, entryId), eq(t.accountId, accountId)))
    .limit(1);
  return row ?? null;
}
