/**
 * Retention, enforced by the logger's cron trigger. Each rule deletes in
 * bounded chunks (src/db/chunks.ts) so one run stays within D1's limits; a
 * backlog larger than one run is finished by the next runs. Rules run
 * independently: one failing does not stop the others, and the run then
 * fails so the cron's status shows it.
 *
 * Cached responses (CACHE_TTL_MS) have no rule here: no cache exists yet,
 * and the one that comes must expire its entries itself (see retention.ts).
 */
import type { PurgeResult } from "../db/chunks";
import { billingDb, coreDb, logsDb, type CoreDb, type LogsDb } from "../db/client";
import { accountsClosedBefore, eraseAccount } from "../db/erasure";
import { purgeAccountLogs, purgeLogsBefore } from "../db/request-logs";
import { purgeLedgerBefore, purgeReceiptsBefore } from "../db/usage-ledger";
import {
  ACCOUNT_PURGE_BATCH,
  BILLING_RECEIPT_RETENTION_MS,
  billingCutoffDay,
  CLOSED_ACCOUNT_RETENTION_MS,
  LOG_RETENTION_MS,
  PURGE_CHUNK_ROWS,
  PURGE_MAX_CHUNKS,
} from "../shared/retention";

export interface AccountPurgeResult {
  erased: number;
  /** Some closed account is left for the next run. */
  done: boolean;
}

export interface RetentionReport {
  logs?: PurgeResult;
  closedAccounts?: AccountPurgeResult;
  billingLedger?: PurgeResult;
  billingReceipts?: PurgeResult;
  failed: string[];
}

/**
 * Erases accounts closed before `cutoff`: their logs first (the account row
 * is what lists them), then the account with its keys, consents and audit
 * entries. An account whose logs are not all gone yet waits for the next run.
 */
export async function eraseClosedAccounts(core: CoreDb, logs: LogsDb, cutoff: number): Promise<AccountPurgeResult> {
  const ids = await accountsClosedBefore(core, cutoff, ACCOUNT_PURGE_BATCH);
  let erased = 0;
  for (const id of ids) {
    const logsGone = await purgeAccountLogs(logs, id, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS);
    if (!logsGone.done) return { erased, done: false };
    await eraseAccount(core, id);
    erased++;
  }
  return { erased, done: ids.length < ACCOUNT_PURGE_BATCH };
}

export async function enforceRetention(env: Pick<LoggerEnv, "DB" | "LOGS_DB" | "BILLING_DB">, now: number): Promise<RetentionReport> {
  const core = coreDb(env.DB);
  const logs = logsDb(env.LOGS_DB);
  const billing = billingDb(env.BILLING_DB);
  const report: RetentionReport = { failed: [] };
  const rule = async <K extends Exclude<keyof RetentionReport, "failed">>(name: K, run: () => Promise<RetentionReport[K]>) => {
    try {
      report[name] = await run();
    } catch (err) {
      report.failed.push(name);
      console.error(`retention rule ${name} failed:`, err instanceof Error ? err.message : String(err));
    }
  };
  await rule("logs", () => purgeLogsBefore(logs, now - LOG_RETENTION_MS, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("closedAccounts", () => eraseClosedAccounts(core, logs, now - CLOSED_ACCOUNT_RETENTION_MS));
  await rule("billingLedger", () => purgeLedgerBefore(billing, billingCutoffDay(now), PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("billingReceipts", () => purgeReceiptsBefore(billing, now - BILLING_RECEIPT_RETENTION_MS, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  console.log("retention run", new Date(now).toISOString(), JSON.stringify(report));
  return report;
}
