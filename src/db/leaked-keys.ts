/**
 * Keys reported as published (secret scanning): look-up by hash and
 * revocation with its audit entries.
 */
import { and, eq, inArray } from "drizzle-orm";
import { auditInsert, type AuditEntry } from "./accounts";
import { D1_MAX_BOUND_PARAMS } from "./chunks";
import type { CoreDb } from "./client";
import { apiKeys, type KeyStatus } from "./schema";

export interface ReportedKey {
  id: string;
  accountId: string;
  keyHash: string;
  status: KeyStatus;
}

/** The keys whose hashes are among `hashes`, whatever their status, by hash. */
export async function findKeysByHashes(db: CoreDb, hashes: readonly string[]): Promise<Map<string, ReportedKey>> {
  const found = new Map<string, ReportedKey>();
  const columns = { id: apiKeys.id, accountId: apiKeys.accountId, keyHash: apiKeys.keyHash, status: apiKeys.status };
  for (let i = 0; i < hashes.length; i += D1_MAX_BOUND_PARAMS) {
    const chunk = hashes.slice(i, i + D1_MAX_BOUND_PARAMS);
    const rows = await db.select(columns).from(apiKeys).where(inArray(apiKeys.keyHash, chunk));
    for (const row of rows) found.set(row.keyHash, row);
  }
  return found;
}

export interface LeakedKeyRevocation {
  keyId: string;
  /** `leaked:<source>`. */
  reason: string;
  audit: AuditEntry;
}

/**
 * Revokes active keys of one account and writes their audit entries in one
 * transaction. A key revoked meanwhile keeps its own reason and time.
 */
export async function revokeLeakedKeys(db: CoreDb, revocations: readonly LeakedKeyRevocation[], at: number): Promise<void> {
  const [first, ...rest] = revocations.flatMap((r) => [
    db
      .update(apiKeys)
      .set({ status: "revoked", revokedAt: at, revokedReason: r.reason })
      .where(and(eq(apiKeys.id, r.keyId), eq(apiKeys.status, "active"))),
    auditInsert(db, r.audit),
  ]);
  if (first) await db.batch([first, ...rest]);
}
