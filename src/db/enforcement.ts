/**
 * AUP enforcement in the core database: an account's status with the
 * operator's reason, and on termination the revocation of every key, written
 * in one batch with its audit entry. The audit holds the new status and that
 * a reason was recorded, never the reason (operator text about the customer,
 * kept only in the account row).
 */
import { and, eq } from "drizzle-orm";
import type { CoreDb } from "./client";
import { auditInsert } from "./accounts";
import { accounts, apiKeys, consoleSessions, type Account, type AccountStatus, type Tier } from "./schema";

/** Statuses from least to most restrictive: a move up narrows access, a move down lifts it. */
const SEVERITY: readonly AccountStatus[] = ["active", "warned", "rate_limited", "suspended", "terminated"];

/** Whether moving from one status to another narrows access (the limiter must know before D1 says so). */
export function narrows(from: AccountStatus, to: AccountStatus): boolean {
  return SEVERITY.indexOf(to) > SEVERITY.indexOf(from);
}

/** The revoked_reason of keys revoked by a termination. */
export const TERMINATION_REVOKED_REASON = "account_terminated";

/** Ids of the account's keys still active (to stop them in the limiter before revoking them). */
export async function activeKeyIds(db: CoreDb, accountId: string): Promise<string[]> {
  const rows = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.status, "active")));
  return rows.map((r) => r.id);
}

/**
 * Sets the account's status and reason (and tier, when given); a
 * termination revokes every active key with revoked_reason
 * "account_terminated", each audited (`keyIds`: the keys the caller found
 * active), and ends the account's console sessions (a terminated account
 * cannot sign in again either). Returns the updated account, or undefined.
 */
export async function setAccountStatus(
  db: CoreDb,
  accountId: string,
  change: { status: AccountStatus; reason: string | null; tier?: Tier | undefined; keyIds: readonly string[] },
  actor: string,
  now: number,
): Promise<Account | undefined> {
  const fields = ["status", "reason", ...(change.tier ? ["tier"] : [])];
  const update = db
    .update(accounts)
    .set({ status: change.status, statusReason: change.reason, updatedAt: now, ...(change.tier ? { tier: change.tier, tierUntil: null } : {}) })
    .where(eq(accounts.id, accountId))
    .returning();
  const audit = auditInsert(db, {
    accountId,
    actor,
    action: "account.update",
    target: accountId,
    details: { fields, status: change.status, reason_recorded: change.reason !== null },
  });
  if (change.status !== "terminated") {
    const [rows] = await db.batch([update, audit]);
    return rows[0];
  }
  const revoke = db
    .update(apiKeys)
    .set({ status: "revoked", revokedAt: now, revokedReason: TERMINATION_REVOKED_REASON })
    .where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.status, "active")));
  const keyAudits = change.keyIds.map((id) =>
    auditInsert(db, { accountId, actor, action: "key.revoke", target: id, details: { reason: TERMINATION_REVOKED_REASON } }),
  );
  const endSessions = db.delete(consoleSessions).where(eq(consoleSessions.accountId, accountId));
  const [rows] = await db.batch([update, revoke, endSessions, audit, ...keyAudits]);
  return rows[0];
}
