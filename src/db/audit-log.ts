import { and, desc, eq, sql } from "drizzle-orm";
import type { CoreDb } from "./client";
import { auditLog } from "./schema";

export type AuditRow = typeof auditLog.$inferSelect;

/** One audit entry, only if it belongs to the account. */
export async function findAuditEntry(db: CoreDb, accountId: string, id: string): Promise<AuditRow | undefined> {
  return db.query.auditLog.findFirst({ where: and(eq(auditLog.id, id), eq(auditLog.accountId, accountId)) });
}

/**
 * The account's audit entries, newest first, older than `before` (an entry of
 * the same account) when given; at most `limit` rows. Ties on created_at are
 * broken by id, so a cursor never repeats or skips an entry.
 */
export async function auditEntriesNewestFirst(db: CoreDb, accountId: string, before: AuditRow | null, limit: number): Promise<AuditRow[]> {
  const t = auditLog;
  const older = before ? sql`(${t.createdAt}, ${t.id}) < (${before.createdAt}, ${before.id})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), older)).orderBy(desc(t.createdAt), desc(t.id)).limit(limit);
}
