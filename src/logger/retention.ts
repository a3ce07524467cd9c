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
import { deleteStripeCustomer, type AccountEndEnv } from "../billing/account-end";
import { purgeCreditLedgerBefore, purgeStripeEventsBefore } from "../db/billing-retention";
import type { PurgeResult } from "../db/chunks";
import { accountsClosedBefore, eraseAccountEverywhere, erasureDbs, purgeJournalBefore, readJournal, type ErasureDbs } from "../db/erasure";
import { reapplyErasures, sweepSources, type ReapplyReport } from "../db/erasure-reapply";
import { purgeSessionsExpiredBefore } from "../db/console-sessions";
import { purgePageViewsBefore } from "../db/page-views";
import { purgeChallengesExpiredBefore } from "../db/passkeys";
import { purgeLogsBefore } from "../db/request-logs";
import { purgeLinksExpiredBefore } from "../db/sign-in-links";
import { purgeLedgerBefore, purgeReceiptsBefore } from "../db/usage-ledger";
import {
  ACCOUNT_PURGE_BATCH,
  BILLING_RECEIPT_RETENTION_MS,
  billingCutoffDay,
  CLOSED_ACCOUNT_RETENTION_MS,
  CONSOLE_EXPIRED_GRACE_MS,
  CONSOLE_PAGE_VIEW_RETENTION_DAYS,
  CONSOLE_SESSION_IDLE_MS,
  ERASURE_JOURNAL_RETENTION_MS,
  LOG_RETENTION_MS,
  PURGE_CHUNK_ROWS,
  PURGE_MAX_CHUNKS,
  STRIPE_EVENT_RETENTION_MS,
  utcDay,
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
  creditLedger?: PurgeResult;
  stripeEvents?: PurgeResult;
  erasureSweep?: ReapplyReport;
  erasureJournal?: PurgeResult;
  consoleSessions?: PurgeResult;
  signInLinks?: PurgeResult;
  webauthnChallenges?: PurgeResult;
  /** Days of console page-view counts deleted. */
  consolePageViews?: number;
  failed: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const LOG_BUDGET = { chunkRows: PURGE_CHUNK_ROWS, maxChunks: PURGE_MAX_CHUNKS };

/**
 * The logger's Stripe configuration: STRIPE_API_BASE is a var, the key a
 * secret put on this worker (docs/billing.md); without it every customer
 * deletion fails, is logged, and the erasure goes on.
 */
export type RetentionEnv = Pick<LoggerEnv, "DB" | "LOGS_DB" | "BILLING_DB" | "STRIPE_API_BASE"> & { STRIPE_SECRET_KEY?: string };

/**
 * Erases accounts closed before `cutoff` with the same function as erasure on
 * request (src/db/erasure.ts): its Stripe customer deleted (a Stripe failure
 * is logged and does not stop it), billing pseudonymised, logs deleted, then
 * the account with its keys, consents and audit entries and a journal row.
 * Log rows beyond one erasure's budget are left to the erasure sweep.
 */
export async function eraseClosedAccounts(dbs: ErasureDbs, stripe: AccountEndEnv, cutoff: number, now: number): Promise<AccountPurgeResult> {
  const ids = await accountsClosedBefore(dbs.core, cutoff, ACCOUNT_PURGE_BATCH);
  for (const id of ids) {
    await deleteStripeCustomer(stripe, id);
    await eraseAccountEverywhere(dbs, id, now, LOG_BUDGET);
  }
  return { erased: ids.length, done: ids.length < ACCOUNT_PURGE_BATCH };
}

/**
 * Erases again what appeared after an erasure: log rows and usage of requests
 * still queued when the account was erased, and log rows an erasure's budget
 * left (src/db/erasure-reapply.ts).
 */
export async function sweepErasures(dbs: ErasureDbs, now: number): Promise<ReapplyReport> {
  return reapplyErasures(dbs, await readJournal(dbs.core), sweepSources(dbs, now), LOG_BUDGET);
}

export async function enforceRetention(env: RetentionEnv, now: number): Promise<RetentionReport> {
  const dbs = erasureDbs(env);
  const stripe: AccountEndEnv = { DB: env.DB, STRIPE_API_BASE: env.STRIPE_API_BASE, STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY ?? "" };
  const { core, logs, billing } = dbs;
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
  await rule("closedAccounts", () => eraseClosedAccounts(dbs, stripe, now - CLOSED_ACCOUNT_RETENTION_MS, now));
  await rule("erasureSweep", () => sweepErasures(dbs, now));
  await rule("erasureJournal", () => purgeJournalBefore(core, now - ERASURE_JOURNAL_RETENTION_MS, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("billingLedger", () => purgeLedgerBefore(billing, billingCutoffDay(now), PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("billingReceipts", () => purgeReceiptsBefore(billing, now - BILLING_RECEIPT_RETENTION_MS, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("creditLedger", () => purgeCreditLedgerBefore(billing, Date.parse(`${billingCutoffDay(now)}T00:00:00Z`), PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("stripeEvents", () => purgeStripeEventsBefore(core, now - STRIPE_EVENT_RETENTION_MS, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  // Expired sessions, links and WebAuthn challenges are refused already; they are deleted
  // CONSOLE_EXPIRED_GRACE_MS after they expire.
  const expiredCutoff = now - CONSOLE_EXPIRED_GRACE_MS;
  await rule("consoleSessions", () => purgeSessionsExpiredBefore(core, expiredCutoff, CONSOLE_SESSION_IDLE_MS, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("signInLinks", () => purgeLinksExpiredBefore(core, expiredCutoff, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("webauthnChallenges", () => purgeChallengesExpiredBefore(core, expiredCutoff, PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS));
  await rule("consolePageViews", () => purgePageViewsBefore(core, utcDay(now - CONSOLE_PAGE_VIEW_RETENTION_DAYS * DAY_MS)));
  console.log("retention run", new Date(now).toISOString(), JSON.stringify(report));
  return report;
}
