/**
 * Keyset-paginated reads of everything stored about one account, for the
 * data export (src/self-service/export/). Each read takes the last row of the
 * previous page as its cursor and returns at most `limit` rows in a stable
 * order, so a page costs one statement of four bound parameters (account id,
 * two cursor values, limit) and an index range scan, whatever the account's
 * size, and no row is read twice.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { billingReceipts, creditLedger, usageLedger } from "./billing-schema";
import type { BillingDb, CoreDb, LogsDb } from "./client";
import { requestLogs } from "./logs-schema";
import { agreements, apiKeys, auditLog, billingAccounts, consents, consoleSessions, passkeys } from "./schema";

/** Rows per page: a page of request logs is a few hundred KB in the worker's memory at most. */
export const EXPORT_PAGE_ROWS = 500;

/** Reads one page after `after` (null: the first page). */
export type PageReader<R> = (after: R | null, limit: number) => Promise<R[]>;

/** Every page of a keyset read, one statement each; stops at the first short page. */
export async function* keysetPages<R>(read: PageReader<R>, limit: number = EXPORT_PAGE_ROWS): AsyncGenerator<R[]> {
  let after: R | null = null;
  for (;;) {
    const page = await read(after, limit);
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    after = page[page.length - 1]!;
  }
}

type Key = typeof apiKeys.$inferSelect;
type Consent = typeof consents.$inferSelect;
type AuditRow = typeof auditLog.$inferSelect;
type LogRow = typeof requestLogs.$inferSelect;
type LedgerRow = typeof usageLedger.$inferSelect;
type ReceiptRow = typeof billingReceipts.$inferSelect;
type CreditRow = typeof creditLedger.$inferSelect;
type BillingAccountRow = typeof billingAccounts.$inferSelect;
type AgreementRow = typeof agreements.$inferSelect;
type SessionRow = typeof consoleSessions.$inferSelect;
type PasskeyRow = typeof passkeys.$inferSelect;

/** The account's keys, oldest first (index api_keys_account_idx). */
export const keysPage = (db: CoreDb, accountId: string): PageReader<Key> => (after, limit) => {
  const t = apiKeys;
  const from = after ? sql`(${t.createdAt}, ${t.id}) > (${after.createdAt}, ${after.id})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.createdAt), asc(t.id)).limit(limit);
};

/** Every consent decision of both kinds, oldest first: the full history, not only what is in force. */
export const consentsPage = (db: CoreDb, accountId: string): PageReader<Consent> => (after, limit) => {
  const t = consents;
  const from = after ? sql`(${t.recordedAt}, ${t.id}) > (${after.recordedAt}, ${after.id})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.recordedAt), asc(t.id)).limit(limit);
};

/** The account's audit entries, oldest first (index audit_log_account_idx). */
export const auditPage = (db: CoreDb, accountId: string): PageReader<AuditRow> => (after, limit) => {
  const t = auditLog;
  const from = after ? sql`(${t.createdAt}, ${t.id}) > (${after.createdAt}, ${after.id})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.createdAt), asc(t.id)).limit(limit);
};

/**
 * Every request log row the logs database holds for the account, oldest
 * first (index request_logs_account_idx). Retention keeps 30 days; a row
 * past that and not yet purged is still held, so it is exported too.
 */
export const requestLogsPage = (db: LogsDb, accountId: string): PageReader<LogRow> => (after, limit) => {
  const t = requestLogs;
  const from = after ? sql`(${t.receivedAt}, ${t.requestId}) > (${after.receivedAt}, ${after.requestId})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.receivedAt), asc(t.requestId)).limit(limit);
};

/** The account's billing ledger by day and model, oldest first (its primary key). */
export const ledgerPage = (db: BillingDb, accountId: string): PageReader<LedgerRow> => (after, limit) => {
  const t = usageLedger;
  const from = after ? sql`(${t.day}, ${t.model}) > (${after.day}, ${after.model})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.day), asc(t.model)).limit(limit);
};

/**
 * The account's per-request billing receipts (kept 30 days), by request id.
 * Pages walk the (account_id, request_id) index from the cursor.
 */
export const receiptsPage = (db: BillingDb, accountId: string): PageReader<ReceiptRow> => (after, limit) => {
  const t = billingReceipts;
  const from = after ? sql`${t.requestId} > ${after.requestId}` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.requestId)).limit(limit);
};

/** The account's credit ledger entries, oldest first (index credit_ledger_account_idx). */
export const creditLedgerPage = (db: BillingDb, accountId: string): PageReader<CreditRow> => (after, limit) => {
  const t = creditLedger;
  const from = after ? sql`(${t.createdAt}, ${t.entryId}) > (${after.createdAt}, ${after.entryId})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.createdAt), asc(t.entryId)).limit(limit);
};

/** The account's link to Stripe: one row at most (its primary key), so a cursor means the end. */
export const billingAccountPage = (db: CoreDb, accountId: string): PageReader<BillingAccountRow> => async (after, limit) =>
  after ? [] : db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(limit);

/** The account's policy acceptances, oldest first (a handful per account: the account index, then a sort). */
export const agreementsPage = (db: CoreDb, accountId: string): PageReader<AgreementRow> => (after, limit) => {
  const t = agreements;
  const from = after ? sql`(${t.acceptedAt}, ${t.id}) > (${after.acceptedAt}, ${after.id})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.acceptedAt), asc(t.id)).limit(limit);
};

/** The account's console sessions, oldest first; the id hash is only the cursor's tie-break, never exported. */
export const consoleSessionsPage = (db: CoreDb, accountId: string): PageReader<SessionRow> => (after, limit) => {
  const t = consoleSessions;
  const from = after ? sql`(${t.createdAt}, ${t.idHash}) > (${after.createdAt}, ${after.idHash})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.createdAt), asc(t.idHash)).limit(limit);
};

/** The account's passkeys, oldest first; the credential id is only the cursor's tie-break, never exported. */
export const passkeysPage = (db: CoreDb, accountId: string): PageReader<PasskeyRow> => (after, limit) => {
  const t = passkeys;
  const from = after ? sql`(${t.createdAt}, ${t.id}) > (${after.createdAt}, ${after.id})` : undefined;
  return db.select().from(t).where(and(eq(t.accountId, accountId), from)).orderBy(asc(t.createdAt), asc(t.id)).limit(limit);
};
