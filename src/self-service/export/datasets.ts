import { auditPage, consentsPage, keysetPages, keysPage, ledgerPage, receiptsPage, requestLogsPage, type PageReader } from "../../db/account-export";
import { billingDb, coreDb, logsDb } from "../../db/client";
import { auditEntryView } from "../views";
import {
  AUDIT_COLUMNS,
  CONSENT_COLUMNS,
  consentExportView,
  KEY_COLUMNS,
  keyExportView,
  LEDGER_COLUMNS,
  ledgerExportView,
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
    dataset("audit_log", AUDIT_COLUMNS, auditPage(core, accountId), auditEntryView, pageRows),
    dataset("request_logs", REQUEST_LOG_COLUMNS, requestLogsPage(logs, accountId), requestLogExportView, pageRows),
    dataset("billing_ledger", LEDGER_COLUMNS, ledgerPage(billing, accountId), ledgerExportView, pageRows),
    dataset("billing_receipts", RECEIPT_COLUMNS, receiptsPage(billing, accountId), receiptExportView, pageRows),
  ];
}
