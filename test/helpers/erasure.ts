/** Fixtures and checks for erasure tests: an account's rows in all three databases. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { billingReceipts, usageLedger } from "../../src/db/billing-schema";
import { billingDb, logsDb } from "../../src/db/client";
import { insertRequestLogs, toLogRow } from "../../src/db/request-logs";
import { logEvent } from "./log-events";

const DATABASES = { core: () => env.DB, logs: () => env.LOGS_DB, billing: () => env.BILLING_DB } as const;

/** Every table of the three databases with an `account_id` column, as `db.table`, found from the schema itself. */
export async function tablesWithAccountId(): Promise<{ name: string; d1: D1Database; table: string }[]> {
  const found: { name: string; d1: D1Database; table: string }[] = [];
  for (const [db, binding] of Object.entries(DATABASES)) {
    const d1 = binding();
    const { results } = await d1.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'").all<{ name: string }>();
    for (const { name: table } of results) {
      const columns = await d1.prepare(`select name from pragma_table_info('${table}')`).all<{ name: string }>();
      if (columns.results.some((c) => c.name === "account_id")) found.push({ name: `${db}.${table}`, d1, table });
    }
  }
  return found;
}

/**
 * Rows that refer to the account, per table: every table with an account_id
 * column in all three databases, plus the accounts table by id and by email.
 * Only tables with rows appear, so "nothing left" is `{}`.
 */
export async function rowsReferringTo(accountId: string, email: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const count = async (label: string, d1: D1Database, query: string, value: string) => {
    const n = (await d1.prepare(query).bind(value).first<{ n: number }>())!.n;
    if (n > 0) counts[label] = n;
  };
  for (const { name, d1, table } of await tablesWithAccountId()) await count(name, d1, `select count(*) as n from "${table}" where account_id = ?`, accountId);
  await count("core.accounts(id)", env.DB, "select count(*) as n from accounts where id = ?", accountId);
  await count("core.accounts(email)", env.DB, "select count(*) as n from accounts where lower(email) = lower(?)", email);
  return counts;
}

export interface Usage {
  requests: number;
  costNanoUsd: number;
}

/** Puts log rows, two ledger days and two receipts under `accountId`, as the logger would have. */
export async function seedLogsAndBilling(accountId: string, now: number, cost = 13_500): Promise<void> {
  const events = [logEvent({ account_id: accountId, receivedAt: now - 1000 }), logEvent({ account_id: accountId, receivedAt: now - 2000 })];
  await insertRequestLogs(logsDb(env.LOGS_DB), events.map((e) => toLogRow(e, now)));
  const billing = billingDb(env.BILLING_DB);
  const usage = { model: "openai/gpt-4o-mini", promptTokens: 10, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: cost };
  await billing.insert(usageLedger).values([
    { accountId, day: "2026-05-01", requests: 3, ...usage, updatedAt: now },
    { accountId, day: "2026-05-02", requests: 1, ...usage, updatedAt: now },
  ]);
  await billing.insert(billingReceipts).values(events.map((e) => ({ requestId: e.request_id, runId: "run-seed", accountId, day: "2026-05-02", ...usage, billedAt: now })));
}

/** The billing rows of an account id, without the id, in a stable order: to compare before and after pseudonymisation. */
export async function billingRowsOf(accountId: string) {
  const billing = billingDb(env.BILLING_DB);
  const ledger = await billing.select().from(usageLedger).where(eq(usageLedger.accountId, accountId)).orderBy(usageLedger.day, usageLedger.model);
  const receipts = await billing.select().from(billingReceipts).where(eq(billingReceipts.accountId, accountId)).orderBy(billingReceipts.requestId);
  return { ledger: ledger.map(({ accountId: _, ...r }) => r), receipts: receipts.map(({ accountId: _, ...r }) => r) };
}

/** The distinct pseudonyms (`erased_…`) in the billing tables. */
export async function pseudonymsIn(): Promise<string[]> {
  const { results } = await env.BILLING_DB.prepare(
    "select account_id from usage_ledger where account_id like 'erased\\_%' escape '\\' union select account_id from billing_receipts where account_id like 'erased\\_%' escape '\\'",
  ).all<{ account_id: string }>();
  return results.map((r) => r.account_id);
}
