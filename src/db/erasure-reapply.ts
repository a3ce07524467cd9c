/**
 * Re-applying erasures: finds rows whose account id hashes to a journal
 * entry and erases them again with the one erasure function.
 *
 * Two callers: the restore procedure (after D1 Time Travel brought a database
 * back to a point before some erasures; scripts/d1-restore.ts and POST
 * /admin/v1/erasures/reapply), which looks at every table of all three
 * databases; and the logger's hourly sweep, which looks where rows can
 * appear after an erasure (log events and usage of requests still in the
 * queue when the account was erased, credit ledger entries the account's
 * limiter object flushed late, and log rows one erasure's budget left).
 *
 * The journal holds hashes, so the search goes the other way: list the
 * distinct account ids a table holds, hash each here (D1 has no sha256), and
 * keep those in the journal.
 */
import { gte, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { billingReceipts, creditLedger, usageLedger } from "./billing-schema";
import { eraseAccountEverywhere, PSEUDONYM_PREFIX, subjectHash, type ErasureDbs, type JournalEntry, type LogBudget } from "./erasure";
import { jsonRowSelects } from "./json-insert";
import { requestLogs } from "./logs-schema";
import { accounts, apiKeys, auditLog, billingAccounts, consents, erasures } from "./schema";

/** A table's distinct account ids, named for the report. */
export interface AccountIdSource {
  table: string;
  list: () => Promise<string[]>;
}

export interface ReapplyReport {
  journal: number;
  /** Account ids found that the journal lists as erased, each erased again. */
  reErased: number;
  /** Per table, how many of its distinct account ids were erased ones. */
  found: Record<string, number>;
  /** false: some account had more log rows than the budget; the next sweep finishes them. */
  logsDone: boolean;
}

/** Receipts the hourly sweep looks at: those billed in the last day, so each is checked by ~24 runs. */
export const SWEEP_RECEIPT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Distinct non-null values of an indexed column, one index seek per value (a
 * "loose index scan"): reads as many index entries as there are accounts,
 * not as there are rows, which is what lets the hourly sweep list the logs'
 * accounts cheaply. Only for columns that lead an index.
 */
function distinctIndexed(db: ErasureDbs[keyof ErasureDbs], table: SQLiteTable, column: SQLiteColumn): () => Promise<string[]> {
  return async () => {
    const rows = await db.all<{ id: string | null }>(sql`
      with recursive ids(id) as (
        select (select min(${column}) from ${table})
        union all
        select (select min(${column}) from ${table} where ${column} > ids.id) from ids where ids.id is not null
      )
      select id from ids where id is not null`);
    return rows.map((r) => r.id).filter((id): id is string => id !== null);
  };
}

/** Distinct account ids of billing receipts (no account index): a scan, bounded by `where` in the sweep. */
function receiptAccounts(dbs: ErasureDbs, where?: SQL): () => Promise<string[]> {
  return async () => {
    const rows = await dbs.billing.selectDistinct({ id: billingReceipts.accountId }).from(billingReceipts).where(where);
    return rows.map((r) => r.id);
  };
}

/** Every table in the three databases with an account id: what a restore may have brought back. */
export function restoreSources(dbs: ErasureDbs): AccountIdSource[] {
  return [
    { table: "accounts", list: distinctIndexed(dbs.core, accounts, accounts.id) },
    { table: "api_keys", list: distinctIndexed(dbs.core, apiKeys, apiKeys.accountId) },
    { table: "consents", list: distinctIndexed(dbs.core, consents, consents.accountId) },
    { table: "audit_log", list: distinctIndexed(dbs.core, auditLog, auditLog.accountId) },
    { table: "billing_accounts", list: distinctIndexed(dbs.core, billingAccounts, billingAccounts.accountId) },
    { table: "request_logs", list: distinctIndexed(dbs.logs, requestLogs, requestLogs.accountId) },
    { table: "usage_ledger", list: distinctIndexed(dbs.billing, usageLedger, usageLedger.accountId) },
    { table: "billing_receipts", list: receiptAccounts(dbs) },
    { table: "credit_ledger", list: distinctIndexed(dbs.billing, creditLedger, creditLedger.accountId) },
  ];
}

/** Where rows of an erased account can appear after its erasure, without a restore (the cron's sweep). */
export function sweepSources(dbs: ErasureDbs, now: number): AccountIdSource[] {
  return [
    { table: "request_logs", list: distinctIndexed(dbs.logs, requestLogs, requestLogs.accountId) },
    { table: "usage_ledger", list: distinctIndexed(dbs.billing, usageLedger, usageLedger.accountId) },
    { table: "billing_receipts", list: receiptAccounts(dbs, gte(billingReceipts.billedAt, now - SWEEP_RECEIPT_WINDOW_MS)) },
    { table: "credit_ledger", list: distinctIndexed(dbs.billing, creditLedger, creditLedger.accountId) },
  ];
}

/**
 * Erases again every account of `sources` the journal lists. Pseudonyms
 * (`erased_…`) are skipped unhashed; an erased account's rows found now get a
 * new pseudonym (the old one is linked to nothing, by design).
 */
export async function reapplyErasures(dbs: ErasureDbs, journal: readonly JournalEntry[], sources: readonly AccountIdSource[], budget: LogBudget): Promise<ReapplyReport> {
  const erasedAt = new Map(journal.map((e) => [e.subjectHash, e.erasedAt]));
  const report: ReapplyReport = { journal: journal.length, reErased: 0, found: {}, logsDone: true };
  if (erasedAt.size === 0) return report;
  const matched = new Map<string, number>();
  for (const source of sources) {
    const ids = (await source.list()).filter((id) => !id.startsWith(PSEUDONYM_PREFIX));
    const hashes = await Promise.all(ids.map(subjectHash));
    let found = 0;
    ids.forEach((id, i) => {
      const at = erasedAt.get(hashes[i]!);
      if (at === undefined) return;
      matched.set(id, at);
      found++;
    });
    report.found[source.table] = found;
  }
  for (const [accountId, at] of matched) {
    const result = await eraseAccountEverywhere(dbs, accountId, at, budget);
    if (!result.logs.done) report.logsDone = false;
    report.reErased++;
  }
  return report;
}

/**
 * Writes journal entries saved before a restore back into the core database
 * (a restore of it lost those made after the restore point); existing rows
 * are kept. One JSON parameter per statement (src/db/json-insert.ts).
 */
export async function restoreJournal(dbs: ErasureDbs, journal: readonly JournalEntry[]): Promise<void> {
  if (journal.length === 0) return;
  const [first, ...rest] = jsonRowSelects(erasures, journal).map((select) => dbs.core.insert(erasures).select(select).onConflictDoNothing());
  await dbs.core.batch([first!, ...rest]);
}
