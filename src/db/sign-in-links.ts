/**
 * One-time sign-in and sign-up links (table `sign_in_links`), stored by the
 * SHA-256 of the link's token: a copy of the database holds no working link.
 */
import { and, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import type { PurgeResult } from "./chunks";
import { deleteInChunks } from "./chunks";
import type { CoreDb } from "./client";
import { signInLinks, type SignInLink, type SignInPurpose } from "./schema";

export type NewSignInLink = Omit<SignInLink, "usedAt">;

/**
 * Stores the link unless `limit` links were already sent to its address
 * since `since`; true when stored. Count and insert are one statement, so
 * concurrent requests cannot slip past the limit together.
 */
export async function insertLinkWithinLimit(db: CoreDb, row: NewSignInLink, since: number, limit: number): Promise<boolean> {
  const t = signInLinks;
  const signUp = row.signUp ? JSON.stringify(row.signUp) : null;
  const res = await db.run(sql`
    insert into ${t} (${sql.identifier(t.tokenHash.name)}, ${sql.identifier(t.purpose.name)}, ${sql.identifier(t.email.name)}, ${sql.identifier(t.accountId.name)}, ${sql.identifier(t.signUp.name)}, ${sql.identifier(t.createdAt.name)}, ${sql.identifier(t.expiresAt.name)})
    select ${row.tokenHash}, ${row.purpose}, ${row.email}, ${row.accountId}, ${signUp}, ${row.createdAt}, ${row.expiresAt}
    where (select count(*) from ${t} where ${t.email} = ${row.email} and ${t.createdAt} > ${since}) < ${limit}`);
  return res.meta.changes === 1;
}

/**
 * A link of one of `purposes` that can still be followed at `now`. Each page
 * that follows links names the purposes it serves, so a link mailed for one
 * thing (confirming an address) never does another (signing in).
 */
function usable(tokenHash: string, purposes: readonly SignInPurpose[], now: number) {
  return and(eq(signInLinks.tokenHash, tokenHash), inArray(signInLinks.purpose, [...purposes]), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now));
}

/** The link if it can still be followed at `now` (not used, not expired, of one of `purposes`); spends nothing. */
export async function findUsableLink(db: CoreDb, tokenHash: string, purposes: readonly SignInPurpose[], now: number): Promise<SignInLink | undefined> {
  return db.query.signInLinks.findFirst({ where: usable(tokenHash, purposes, now) });
}

/**
 * Spends the link: one statement that marks it used only if it is still
 * unused and unexpired, so two requests racing with one link cannot both
 * get it. Returns the link, or undefined when it was not usable.
 */
export async function consumeLink(db: CoreDb, tokenHash: string, purposes: readonly SignInPurpose[], now: number): Promise<SignInLink | undefined> {
  const [row] = await db.update(signInLinks).set({ usedAt: now }).where(usable(tokenHash, purposes, now)).returning();
  return row;
}

/** Retention: links that expired before `cutoff`, in bounded chunks. */
export function purgeLinksExpiredBefore(db: CoreDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  return deleteInChunks(async (limit) => {
    const hashes = db.select({ h: signInLinks.tokenHash }).from(signInLinks).where(lt(signInLinks.expiresAt, cutoff)).limit(limit);
    const res = await db.delete(signInLinks).where(inArray(signInLinks.tokenHash, hashes)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}

/**
 * The delete of every link sent to the account's address, unsent (for the
 * erasure's batch): sign-up links carry no account id, only the address, so
 * the cascade from `accounts` does not reach them. Must run before the
 * account row is deleted, since it reads the address from it.
 */
export function linksOfAccountDelete(db: CoreDb, accountId: string) {
  return db.delete(signInLinks).where(sql`${signInLinks.email} = (select lower(email) from accounts where id = ${accountId})`);
}
