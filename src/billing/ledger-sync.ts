/**
 * Copies ledger entries from an account's limiter object into the billing
 * database's `credit_ledger`, idempotently by entry id: INSERT OR IGNORE, so a
 * flush retried after a failure it could not see the outcome of (a timeout
 * after D1 committed) writes each entry once. All statements go in one D1
 * batch, which D1 runs as one transaction: either every entry is written or
 * none, and the object deletes its copies only after success.
 */
import type { LedgerEntry } from "./types";

/** An entry and the account (or, after erasure, the pseudonym) it is written under. */
export type LedgerRow = LedgerEntry & { accountId: string };

const COLUMNS = [
  "entry_id",
  "account_id",
  "kind",
  "amount_nano_usd",
  "provider_cost_nano_usd",
  "requests",
  "paid_minor",
  "currency",
  "reference",
  "note",
  "created_at",
] as const;
/** D1 binds at most 100 parameters per statement: 9 rows of 11 columns. */
const ROWS_PER_STATEMENT = Math.floor(100 / COLUMNS.length);

const values = (r: LedgerRow) => [r.entryId, r.accountId, r.kind, r.amountNano, r.providerCostNano, r.requests, r.paidMinor, r.currency, r.reference, r.note, r.createdAt];

export async function writeLedgerRows(db: D1Database, rows: readonly LedgerRow[]): Promise<void> {
  if (rows.length === 0) return;
  const statements: D1PreparedStatement[] = [];
  const placeholders = `(${COLUMNS.map(() => "?").join(", ")})`;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const sql = `insert or ignore into credit_ledger (${COLUMNS.join(", ")}) values ${chunk.map(() => placeholders).join(", ")}`;
    statements.push(db.prepare(sql).bind(...chunk.flatMap(values)));
  }
  await db.batch(statements);
}
