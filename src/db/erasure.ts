import { and, asc, eq, isNotNull, lt } from "drizzle-orm";
import type { CoreDb } from "./client";
import { accounts, apiKeys, auditLog, consents } from "./schema";

/** Ids of accounts closed before `cutoff`, oldest closure first, at most `limit`. */
export async function accountsClosedBefore(db: CoreDb, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(isNotNull(accounts.closedAt), lt(accounts.closedAt, cutoff)))
    .orderBy(asc(accounts.closedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Deletes an account and everything the core database holds about it, in one
 * transaction. The foreign keys cascade too; the explicit deletes make the
 * erasure independent of whether the database enforces them.
 */
export async function eraseAccount(db: CoreDb, accountId: string): Promise<void> {
  await db.batch([
    db.delete(auditLog).where(eq(auditLog.accountId, accountId)),
    db.delete(consents).where(eq(consents.accountId, accountId)),
    db.delete(apiKeys).where(eq(apiKeys.accountId, accountId)),
    db.delete(accounts).where(eq(accounts.id, accountId)),
  ]);
}
