import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { D1_MAX_BOUND_PARAMS } from "../src/db/chunks";
import { EXPORT_PAGE_ROWS } from "../src/db/account-export";
import { app } from "../src/router/app";
import { csvObjects } from "./helpers/csv";
import { recordingD1, type D1Record } from "./helpers/d1-recorder";
import { logRow, seedLedger, seedLogs, seedReceipts } from "./helpers/export-seed";
import { newCustomer, type Customer } from "./helpers/router";

/** Several pages of each large dataset, and a ledger that is an exact number of pages (one empty page read ends it). */
const LOG_ROWS = 5 * EXPORT_PAGE_ROWS + 123;
const LEDGER_ROWS = 2 * EXPORT_PAGE_ROWS;
const RECEIPT_ROWS = EXPORT_PAGE_ROWS + 1;

let big: Customer;

beforeAll(async () => {
  big = await newCustomer({ consent: false });
  await seedLogs(Array.from({ length: LOG_ROWS }, (_, i) => logRow(big.accountId, i)));
  await seedLedger(big.accountId, LEDGER_ROWS, 4);
  await seedReceipts(big.accountId, RECEIPT_ROWS);
  // Another account's rows interleave with the big one's in every table.
  const other = await newCustomer({ consent: false });
  await seedLogs(Array.from({ length: 300 }, (_, i) => logRow(other.accountId, i)));
  await seedLedger(other.accountId, 300);
  await seedReceipts(other.accountId, 300);
}, 120_000);

interface Run {
  chunks: Uint8Array[];
  /** Statements sent to the logs database by the time the first chunk arrived. */
  logStatementsAtFirstChunk: number;
  logs: D1Record;
  billing: D1Record;
}

/** Exports through the app with recording logs and billing bindings, reading the body chunk by chunk. */
async function exportRecorded(format: "json" | "csv"): Promise<Run> {
  const logs = recordingD1(env.LOGS_DB);
  const billing = recordingD1(env.BILLING_DB);
  const ctx = createExecutionContext();
  const res = await app.request(
    `/v1/account/export?format=${format}`,
    { headers: { authorization: `Bearer ${big.key}` } },
    { ...env, LOGS_DB: logs.db, BILLING_DB: billing.db },
    ctx,
  );
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let logStatementsAtFirstChunk = -1;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (chunks.length === 0) logStatementsAtFirstChunk = logs.record.statements.length;
    chunks.push(value);
  }
  await waitOnExecutionContext(ctx);
  return { chunks, logStatementsAtFirstChunk, logs: logs.record, billing: billing.record };
}

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
};

/** Pages a keyset read takes for `rows` rows: full pages, then the short (possibly empty) one that ends it. */
const pagesFor = (rows: number) => Math.floor(rows / EXPORT_PAGE_ROWS) + 1;

function expectBoundedPages(run: Run) {
  expect(run.logs.statements).toHaveLength(pagesFor(LOG_ROWS));
  // The credit ledger (at most the credit grant) is one short page.
  expect(run.billing.statements).toHaveLength(pagesFor(LEDGER_ROWS) + pagesFor(RECEIPT_ROWS) + pagesFor(1));
  for (const s of [...run.logs.statements, ...run.billing.statements]) {
    expect(s.params).toBeLessThan(D1_MAX_BOUND_PARAMS);
    expect(s.sql).toMatch(/ limit \?$/);
  }
  // The first bytes left before the logs were read: the body is produced while it is sent.
  expect(run.logStatementsAtFirstChunk).toBe(0);
  expect(run.chunks.length).toBeGreaterThan(pagesFor(LOG_ROWS));
}

describe("a large account's export streams", () => {
  it("JSON: read one bounded page per statement, sent in many chunks, every row present once", async () => {
    const run = await exportRecorded("json");
    expectBoundedPages(run);
    const doc = JSON.parse(new TextDecoder().decode(concat(run.chunks))) as Record<string, { request_id?: string }[]>;
    expect(doc.request_logs).toHaveLength(LOG_ROWS);
    expect(new Set(doc.request_logs!.map((r) => r.request_id)).size).toBe(LOG_ROWS);
    expect(doc.request_logs!.every((r) => r.request_id!.includes(big.accountId.slice(-8)))).toBe(true);
    expect(doc.billing_ledger).toHaveLength(LEDGER_ROWS);
    expect(doc.billing_receipts).toHaveLength(RECEIPT_ROWS);
  });

  it("CSV: the zip is produced page by page too, and unzips to every row", async () => {
    const run = await exportRecorded("csv");
    expectBoundedPages(run);
    const files = unzipSync(concat(run.chunks));
    const rowsOf = (name: string) => csvObjects(new TextDecoder().decode(files[`${name}.csv`])).rows;
    const logs = rowsOf("request_logs");
    expect(logs).toHaveLength(LOG_ROWS);
    expect(new Set(logs.map((r) => r.request_id)).size).toBe(LOG_ROWS);
    expect(rowsOf("billing_ledger")).toHaveLength(LEDGER_ROWS);
    expect(rowsOf("billing_receipts")).toHaveLength(RECEIPT_ROWS);
  });
});
