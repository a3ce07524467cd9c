import {
  agreementsPage,
  auditPage,
  billingAccountPage,
  consentsPage,
  consoleSessionsPage,
  creditLedgerPage,
  keysetPages,
  keysPage,
  ledgerPage,
  passkeysPage,
  receiptsPage,
  requestLogsPage,
  type PageReader,
} from "../../db/account-export";
import { billingDb, coreDb, logsDb } from "../../db/client";
import { auditEntryView } from "../views";
import {
  AGREEMENT_COLUMNS,
  agreementExportView,
  AUDIT_COLUMNS,
  BILLING_ACCOUNT_COLUMNS,
  billingAccountExportView,
  CONSENT_COLUMNS,
  CONSOLE_SESSION_COLUMNS,
  consentExportView,
  consoleSessionExportView,
  CREDIT_LEDGER_COLUMNS,
  creditLedgerExportView,
  KEY_COLUMNS,
  keyExportView,
  LEDGER_COLUMNS,
  ledgerExportView,
  PASSKEY_COLUMNS,
  passkeyExportView,
  receiptExportView,
  RECEIPT_COLUMNS,
  REQUEST_LOG_COLUMNS,
  requestLogExportView,
} from "./views";

/**
 * One list of the export: a JSON array under `name`, and `<name>.csv` in the
 * zip. `pages` reads it page by page, on demand, each page already in its
 * view: the writers hold one page at a time.
 */
export interface ExportDataset {
  name: string;
  columns: readonly string[];
  pages: () => AsyncIterable<readonly object[]>;
}

function dataset<R>(name: string, columns: readonly string[], read: PageReader<R>, view: (row: R) => object, pageRows: number): ExportDataset {
  return {
    name,
    columns,
    async *pages() {
      for await (const page of keysetPages(read, pageRows)) yield page.map(view);
    },
  };
}

/** Every list stored about the account, in the export's order, from the three databases. */
export function exportDatasets(env: Pick<Env, "DB" | "LOGS_DB" | "BILLING_DB">, accountId: string, pageRows: number): ExportDataset[] {
  const core = coreDb(env.DB);
  const logs = logsDb(env.LOGS_DB);
  const billing = billingDb(env.BILLING_DB);
  return [
    dataset("keys", KEY_COLUMNS, keysPage(core, accountId), keyExportView, pageRows),
    dataset("consents", CONSENT_COLUMNS, consentsPage(core, accountId), consentExportView, pageRows),
    dataset("agreements", AGREEMENT_COLUMNS, agreementsPage(core, accountId), agreementExportView, pageRows),
    dataset("audit_log", AUDIT_COLUMNS, auditPage(core, accountId), auditEntryView, pageRows),
    dataset("console_sessions", CONSOLE_SESSION_COLUMNS, consoleSessionsPage(core, accountId), consoleSessionExportView, pageRows),
    dataset("passkeys", PASSKEY_COLUMNS, passkeysPage(core, accountId), passkeyExportView, pageRows),
    dataset("request_logs", REQUEST_LOG_COLUMNS, requestLogsPage(logs, accountId), requestLogExportView, pageRows),
    dataset("billing_ledger", LEDGER_COLUMNS, ledgerPage(billing, accountId), ledgerExportView, pageRows),
    dataset("billing_receipts", RECEIPT_COLUMNS, receiptsPage(billing, accountId), receiptExportView, pageRows),
    dataset("billing_account", BILLING_ACCOUNT_COLUMNS, billingAccountPage(core, accountId), billingAccountExportView, pageRows),
    dataset("credit_ledger", CREDIT_LEDGER_COLUMNS, creditLedgerPage(billing, accountId), creditLedgerExportView, pageRows),
  ];
}

/**
 * Categories of the privacy map (src/router/privacy-map.ts) held in the core
 * database that the export leaves out, and why: none holds anything about the
 * account that the export does not already show. A new category must be
 * exported or listed here (test/export.test.ts checks).
 */
export const NOT_EXPORTED: Readonly<Record<string, string>> = {
  // A link lives an hour (plus a day before the cron deletes it); it holds the
  // address (the account's, or its pending one: both in `account`) and a hash
  // of the token. A sign-up's link precedes any account.
  sign_in_links: "short-lived sign-in links: their address is the account's own, their token only a hash",
  // A random challenge between a passkey ceremony's two requests, minutes long.
  webauthn_challenges: "a passkey ceremony's random challenge, minutes long, nothing about the person",
  // Keyed by a hash of an erased account's id: no live account has an entry.
  erasure_journal: "hashes of erased accounts' ids, none of which is an existing account",
  // Counts per day and page with no identifier: not about any account.
  console_page_views: "anonymous page-view counts, linked to no one",
  // Event ids and types of Stripe webhooks already applied, with no account id.
  stripe_events: "ids of Stripe events already applied, linked to no account",
};
