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
import type { LedgerEntry } from "../../billing/types";
import type { CreditLedgerRow } from "../../db/billing-schema";
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

/** An entry the limiter object has not copied yet, as the ledger row its alarm will write. */
const pendingRow = (accountId: string, e: LedgerEntry): CreditLedgerRow => ({
  entryId: e.entryId, accountId, kind: e.kind, amountNanoUsd: e.amountNano, providerCostNanoUsd: e.providerCostNano, requests: e.requests,
  paidMinor: e.paidMinor, currency: e.currency, reference: e.reference, note: e.note, createdAt: e.createdAt,
});

/**
 * The credit ledger: the billing database's rows, then the entries the
 * account's limiter object made and its alarm has not copied yet (seconds
 * old, or older during a billing database outage), so a top-up made just
 * before the export is in it. `pending` is read before the first page: an
 * entry the alarm copies meanwhile is in the pages or in `pending`, and one
 * in both (copied, not yet deleted from the object) shows once. The pending
 * entries come last, oldest first: the alarm copies entries in the order
 * they were made, so they are newer than the ledger's.
 */
function creditLedgerDataset(read: PageReader<CreditLedgerRow>, accountId: string, pending: readonly LedgerEntry[], pageRows: number): ExportDataset {
  return {
    name: "credit_ledger",
    columns: CREDIT_LEDGER_COLUMNS,
    async *pages() {
      const unwritten = new Map(pending.map((e) => [e.entryId, e]));
      for await (const page of keysetPages(read, pageRows)) {
        for (const row of page) unwritten.delete(row.entryId);
        yield page.map(creditLedgerExportView);
      }
      const rest = [...unwritten.values()].sort((a, b) => a.createdAt - b.createdAt || (a.entryId < b.entryId ? -1 : 1));
      if (rest.length > 0) yield rest.map((e) => creditLedgerExportView(pendingRow(accountId, e)));
    },
  };
}

/**
 * Every list stored about the account, in the export's order, from the three
 * databases and (`pendingCredits`, from its `creditState()`) the account's
 * limiter object.
 */
export function exportDatasets(env: Pick<Env, "DB" | "LOGS_DB" | "BILLING_DB">, accountId: string, pendingCredits: readonly LedgerEntry[], pageRows: number): ExportDataset[] {
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
    creditLedgerDataset(creditLedgerPage(billing, accountId), accountId, pendingCredits, pageRows),
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
