/**
 * Erasure: the one function that deletes every personal datum of an account,
 * shared by erasure on request (DELETE /v1/account?erase=now, the operator's
 * POST /admin/v1/erasures), the logger's cron (accounts closed 90 days ago),
 * and the re-application of erasures after a database restore
 * (src/db/erasure-reapply.ts). docs/erasure.md describes it.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { newId, sha256Hex } from "../shared/crypto";
import { billingReceipts, creditLedger, usageLedger } from "./billing-schema";
import { deleteInChunks, type PurgeResult } from "./chunks";
import { billingDb, coreDb, logsDb, type BillingDb, type CoreDb, type LogsDb } from "./client";
import { purgeAccountLogs } from "./request-logs";
import { accounts, agreements, apiKeys, auditLog, billingAccounts, consents, consoleSessions, erasures, passkeys, webauthnChallenges } from "./schema";
import { linksOfAccountDelete } from "./sign-in-links";

/** The three databases an account's data lives in. */
export interface ErasureDbs {
  core: CoreDb;
  logs: LogsDb;
  billing: BillingDb;
}

export function erasureDbs(env: { DB: D1Database; LOGS_DB: D1Database; BILLING_DB: D1Database }): ErasureDbs {
  return { core: coreDb(env.DB), logs: logsDb(env.LOGS_DB), billing: billingDb(env.BILLING_DB) };
}

/** One erasure as the journal records it: never the account id, only its SHA-256. */
export interface JournalEntry {
  subjectHash: string;
  erasedAt: number;
}

/** How many log rows one erasure deletes before leaving the rest to the cron's sweep. */
export interface LogBudget {
  chunkRows: number;
  maxChunks: number;
}

export interface ErasureResult {
  erasedAt: number;
  /** Billing rows (usage ledger, receipts, credit ledger) now under a pseudonym. */
  billingRows: number;
  /** done false: more log rows than the budget; the cron's erasure sweep deletes the rest within the hour. */
  logs: PurgeResult;
}

/** The journal's key for an account: hex SHA-256 of its id (D1 has no sha256, so hashing is done here). */
export function subjectHash(accountId: string): Promise<string> {
  return sha256Hex(accountId);
}

/** What every pseudonym starts with; no account id does (they are `acct_…`). */
export const PSEUDONYM_PREFIX = "erased_";

/** A fresh pseudonym, `erased_<32 hex>`: random, so nothing derives it from the account id. */
export function newPseudonym(): string {
  return newId(PSEUDONYM_PREFIX.slice(0, -1));
}

/**
 * Erases an account everywhere:
 * 1. billing: every usage ledger row, receipt and credit ledger entry gets
 *    one pseudonym (and a credit ledger entry loses its operator note, and an adjustment its reference), chosen by the caller (or here) for this account, so its
 *    rows stay one customer's and keep their amounts, days and models, and
 *    the credit ledger still sums to what the balance was; one pseudonym per
 *    account also keeps the ledger's key (account_id, day, model) free of
 *    collisions. Erasure on request passes the pseudonym it also gave the
 *    account's limiter object, which writes its pending ledger entries under
 *    it, so the account's entries end under one pseudonym. One statement
 *    per table, so the rows never end up split across the real id and the
 *    pseudonym (receipts have no account index: that UPDATE scans the 30 days
 *    of receipts; acceptable for a rare operation);
 * 2. logs: deleted in bounded chunks (`budget`);
 * 3. core, in one transaction: audit entries, consents, agreements, console
 *    sessions, sign-in links (by address), keys, the Stripe link
 *    (billing_accounts), the account, and the journal row. The callers
 *    delete the Stripe customer before this runs (deleteStripeCustomer,
 *    src/billing/account-end.ts); Stripe keeps the payment records the law
 *    requires it to.
 * Core goes last because the account row is what lists the account: if an
 * earlier step fails, the whole erasure can be repeated. Every step is
 * idempotent, and the journal keeps the first erasure's time.
 */
export async function eraseAccountEverywhere(dbs: ErasureDbs, accountId: string, erasedAt: number, budget: LogBudget, pseudonym = newPseudonym()): Promise<ErasureResult> {
  const billingRows = await pseudonymiseBilling(dbs.billing, accountId, pseudonym);
  const logs = await purgeAccountLogs(dbs.logs, accountId, budget.chunkRows, budget.maxChunks);
  await eraseCoreRows(dbs.core, accountId, { subjectHash: await subjectHash(accountId), erasedAt });
  return { erasedAt, billingRows, logs };
}

/** Moves an account's billing rows to `pseudonym` (credit ledger notes cleared), in one billing transaction; returns the rows changed. */
export async function pseudonymiseBilling(billing: BillingDb, accountId: string, pseudonym: string): Promise<number> {
  const [ledger, receipts, credits] = await billing.batch([
    billing.update(usageLedger).set({ accountId: pseudonym }).where(eq(usageLedger.accountId, accountId)),
    billing.update(billingReceipts).set({ accountId: pseudonym }).where(eq(billingReceipts.accountId, accountId)),
    // The operator's note, and the reference of an operator adjustment, are
    // free text that may name the person; amounts, kinds and Stripe's object
    // ids (the references of every other kind) stay.
    billing
      .update(creditLedger)
      .set({ accountId: pseudonym, note: null, reference: sql`case when ${creditLedger.kind} = 'adjustment' then null else ${creditLedger.reference} end` })
      .where(eq(creditLedger.accountId, accountId)),
  ]);
  return ledger.meta.changes + receipts.meta.changes + credits.meta.changes;
}

/**
 * Deletes everything the core database holds about an account and writes the
 * journal row, in one transaction. The foreign keys cascade too; the explicit
 * deletes make the erasure independent of whether the database enforces them.
 */
export async function eraseCoreRows(core: CoreDb, accountId: string, entry: JournalEntry): Promise<void> {
  await core.batch([
    core.delete(auditLog).where(eq(auditLog.accountId, accountId)),
    core.delete(consents).where(eq(consents.accountId, accountId)),
    core.delete(agreements).where(eq(agreements.accountId, accountId)),
    core.delete(consoleSessions).where(eq(consoleSessions.accountId, accountId)),
    core.delete(passkeys).where(eq(passkeys.accountId, accountId)),
    core.delete(webauthnChallenges).where(eq(webauthnChallenges.accountId, accountId)),
    // By address, before the account row goes (sign-up links have no account id).
    linksOfAccountDelete(core, accountId),
    core.delete(apiKeys).where(eq(apiKeys.accountId, accountId)),
    core.delete(billingAccounts).where(eq(billingAccounts.accountId, accountId)),
    core.delete(accounts).where(eq(accounts.id, accountId)),
    core.insert(erasures).values(entry).onConflictDoNothing(),
  ]);
}

/**
 * Marks the account closed (if it is not already), the first step of an
 * erasure on request: should a later step fail, the account stays closed and
 * its keys refused, and the erasure can be repeated. The cache salt goes with
 * it (an account closed before has none), so no cached answer of the account
 * can be opened from here on, whatever a later step does.
 */
export async function markClosed(core: CoreDb, accountId: string, now: number): Promise<void> {
  await core.update(accounts).set({ closedAt: now, updatedAt: now, cacheSalt: null }).where(and(eq(accounts.id, accountId), isNull(accounts.closedAt)));
}

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

/** The whole journal (at most ERASURE_JOURNAL_RETENTION_MS of erasures), oldest first. */
export async function readJournal(core: CoreDb): Promise<JournalEntry[]> {
  return core.select().from(erasures).orderBy(asc(erasures.erasedAt));
}

/** Deletes journal rows of erasures made before `cutoff`, in bounded chunks. */
export function purgeJournalBefore(core: CoreDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  return deleteInChunks(async (limit) => {
    const hashes = core.select({ h: erasures.subjectHash }).from(erasures).where(lt(erasures.erasedAt, cutoff)).limit(limit);
    const res = await core.delete(erasures).where(inArray(erasures.subjectHash, hashes)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}
