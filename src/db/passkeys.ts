/**
 * Passkeys (table `passkeys`) and the WebAuthn challenges between a
 * ceremony's two requests (table `webauthn_challenges`). A challenge is
 * spent by deleting it, in one statement, so two requests racing with one
 * challenge cannot both use it.
 */
import { and, asc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import type { PurgeResult } from "./chunks";
import { deleteInChunks } from "./chunks";
import type { CoreDb } from "./client";
import { passkeys, webauthnChallenges, type Passkey } from "./schema";

export type ChallengePurpose = "register" | "sign_in";

/** The account's passkeys, oldest first. */
export function listPasskeys(db: CoreDb, accountId: string): Promise<Passkey[]> {
  return db.select().from(passkeys).where(eq(passkeys.accountId, accountId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export function findPasskey(db: CoreDb, id: string): Promise<Passkey | undefined> {
  return db.query.passkeys.findFirst({ where: eq(passkeys.id, id) });
}

/** Stores a passkey; false when its credential id is registered already (to any account). */
export async function insertPasskey(db: CoreDb, row: Passkey): Promise<boolean> {
  const res = await db.insert(passkeys).values(row).onConflictDoNothing().run();
  return res.meta.changes === 1;
}

/** Deletes one of the account's passkeys; false when the account has none with that id. */
export async function deletePasskey(db: CoreDb, accountId: string, id: string): Promise<boolean> {
  const res = await db.delete(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.accountId, accountId))).run();
  return res.meta.changes === 1;
}

/**
 * Records a sign-in: the new counter and when. Only if the counter is still
 * the one verified against, so of two sign-ins racing with one counter value
 * (a cloned authenticator) only one counts; false for the other.
 */
export async function recordPasskeyUse(db: CoreDb, id: string, verifiedCounter: number, newCounter: number, now: number): Promise<boolean> {
  const res = await db
    .update(passkeys)
    .set({ counter: newCounter, lastUsedAt: now })
    .where(and(eq(passkeys.id, id), eq(passkeys.counter, verifiedCounter)))
    .run();
  return res.meta.changes === 1;
}

export async function insertChallenge(db: CoreDb, row: typeof webauthnChallenges.$inferInsert): Promise<void> {
  await db.insert(webauthnChallenges).values(row);
}

/**
 * Stores a sign-in challenge unless `cap` unexpired sign-in challenges exist
 * already: sign-in options are asked for signed out, so without a cap anyone
 * could fill the table. Count and insert are one statement, so racing
 * requests cannot overshoot; the count walks the expiry index over at most
 * the live rows. False when refused.
 */
export async function insertSignInChallengeWithinCap(db: CoreDb, challenge: string, expiresAt: number, now: number, cap: number): Promise<boolean> {
  const t = webauthnChallenges;
  const res = await db.run(sql`
    insert into ${t} (${sql.identifier(t.challenge.name)}, ${sql.identifier(t.purpose.name)}, ${sql.identifier(t.accountId.name)}, ${sql.identifier(t.expiresAt.name)})
    select ${challenge}, 'sign_in', null, ${expiresAt}
    where (select count(*) from ${t} where ${t.expiresAt} > ${now} and ${t.purpose} = 'sign_in') < ${cap}`);
  return res.meta.changes === 1;
}

/**
 * Spends a challenge: deletes it if it is unexpired, of this purpose and (for
 * a registration) this account's. True when it was there to spend.
 */
export async function consumeChallenge(db: CoreDb, challenge: string, purpose: ChallengePurpose, accountId: string | null, now: number): Promise<boolean> {
  const owner = accountId === null ? isNull(webauthnChallenges.accountId) : eq(webauthnChallenges.accountId, accountId);
  const res = await db
    .delete(webauthnChallenges)
    .where(and(eq(webauthnChallenges.challenge, challenge), eq(webauthnChallenges.purpose, purpose), owner, gt(webauthnChallenges.expiresAt, now)))
    .run();
  return res.meta.changes === 1;
}

/** Retention: challenges that expired before `cutoff`, in bounded chunks. */
export function purgeChallengesExpiredBefore(db: CoreDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  return deleteInChunks(async (limit) => {
    const ids = db.select({ c: webauthnChallenges.challenge }).from(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, cutoff)).limit(limit);
    const res = await db.delete(webauthnChallenges).where(inArray(webauthnChallenges.challenge, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}
