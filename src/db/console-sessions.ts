/** Console sessions (table `console_sessions`): stored by the SHA-256 of the cookie's id. */
import { and, desc, eq, inArray, lt, ne, or, sql } from "drizzle-orm";
import { deleteInChunks, type PurgeResult } from "./chunks";
import type { CoreDb } from "./client";
import { consoleSessions, type ConsoleSession } from "./schema";

export async function insertSession(db: CoreDb, row: ConsoleSession): Promise<void> {
  await db.insert(consoleSessions).values(row);
}

/** The session, if it exists and has not expired (idle or absolute) at `now`. */
export async function findLiveSession(db: CoreDb, idHash: string, now: number, idleMs: number): Promise<ConsoleSession | undefined> {
  const row = await db.select().from(consoleSessions).where(eq(consoleSessions.idHash, idHash)).get();
  if (!row || row.expiresAt <= now || row.lastSeenAt + idleMs <= now) return undefined;
  return row;
}

export async function touchSession(db: CoreDb, idHash: string, now: number): Promise<void> {
  await db.update(consoleSessions).set({ lastSeenAt: now }).where(eq(consoleSessions.idHash, idHash));
}

/** The account's sessions that have not expired, newest use first. */
export async function listLiveSessions(db: CoreDb, accountId: string, now: number, idleMs: number): Promise<ConsoleSession[]> {
  return db
    .select()
    .from(consoleSessions)
    .where(and(eq(consoleSessions.accountId, accountId), sql`${consoleSessions.expiresAt} > ${now}`, sql`${consoleSessions.lastSeenAt} + ${idleMs} > ${now}`))
    .orderBy(desc(consoleSessions.lastSeenAt))
    .all();
}

/** Ends one session of the account (a session id of another account matches nothing). */
export async function deleteSession(db: CoreDb, accountId: string, idHash: string): Promise<boolean> {
  const gone = await db
    .delete(consoleSessions)
    .where(and(eq(consoleSessions.accountId, accountId), eq(consoleSessions.idHash, idHash)))
    .returning({ idHash: consoleSessions.idHash });
  return gone.length > 0;
}

/** Ends every session of the account, or every one but `keep`. */
export async function deleteAccountSessions(db: CoreDb, accountId: string, keep?: string): Promise<number> {
  const where = keep ? and(eq(consoleSessions.accountId, accountId), ne(consoleSessions.idHash, keep)) : eq(consoleSessions.accountId, accountId);
  const gone = await db.delete(consoleSessions).where(where).returning({ idHash: consoleSessions.idHash });
  return gone.length;
}

/**
 * Retention: sessions that expired (idle or absolute) before `cutoff`, in
 * bounded chunks. An idle session's end is its last use plus `idleMs`.
 */
export function purgeSessionsExpiredBefore(db: CoreDb, cutoff: number, idleMs: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  return deleteInChunks(async (limit) => {
    const expired = or(lt(consoleSessions.expiresAt, cutoff), sql`${consoleSessions.lastSeenAt} + ${idleMs} < ${cutoff}`);
    const ids = db.select({ id: consoleSessions.idHash }).from(consoleSessions).where(expired).limit(limit);
    const res = await db.delete(consoleSessions).where(inArray(consoleSessions.idHash, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}
