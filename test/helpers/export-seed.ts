/**
 * Rows written straight into the logs and billing databases, as the logger
 * would write them, for the export tests; in batches of 200 rows, each one
 * INSERT binding one JSON parameter (src/db/json-insert.ts).
 */
import { env } from "cloudflare:workers";
import { billingReceipts, creditLedger, usageLedger } from "../../src/db/billing-schema";
import { billingDb, logsDb } from "../../src/db/client";
import { jsonRowSelects } from "../../src/db/json-insert";
import type { NewRequestLog } from "../../src/db/logs-schema";
import { insertRequestLogs } from "../../src/db/request-logs";

const BATCH = 200;
const DAY_MS = 86_400_000;

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

/** A log row of the account; `i` spreads the rows over the last days, a few per millisecond. */
export function logRow(accountId: string, i: number, overrides: Partial<NewRequestLog> = {}): NewRequestLog {
  const receivedAt = Date.now() - 20 * DAY_MS + Math.floor(i / 3);
  return {
    requestId: `req_${accountId.slice(-8)}${i.toString(16).padStart(24, "0")}`,
    accountId,
    keyId: null,
    endpoint: "/v1/chat/completions",
    method: "POST",
    model: "openai/gpt-4o-mini",
    provider: "openai",
    upstreamModel: "gpt-4o-mini",
    attempts: 1,
    route: "openai",
    dataRegion: i % 2 === 0 ? "us" : null,
    attemptLog: i % 2 === 0 ? [{ route: "openai", upstream_model: "gpt-4o-mini", code: "ok", status: 200, latency_ms: 12 }] : null,
    receivedAt,
    firstByteAt: i % 3 === 0 ? null : receivedAt + 5,
    completedAt: receivedAt + 20,
    latencyMs: 20,
    status: 200,
    errorCode: null,
    promptTokens: i,
    completionTokens: 2 * i,
    cachedTokens: 0,
    reasoningTokens: 1,
    usageEstimated: i % 5 === 0 ? null : i % 2 === 1,
    costNanoUsd: 1000 + i,
    streamed: i % 2 === 0,
    clientAborted: false,
    ip: "203.0.113.7",
    userAgent: "openai-node/4",
    edgeLocation: "FRA",
    loggedAt: receivedAt + 1000,
    ...overrides,
  };
}

export async function seedLogs(rows: readonly NewRequestLog[]): Promise<void> {
  for (const batch of batches(rows)) await insertRequestLogs(logsDb(env.LOGS_DB), batch);
}

/** `n` ledger rows of the account: one per (day, model), `models` models a day. */
export async function seedLedger(accountId: string, n: number, models = 3): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    accountId,
    day: new Date(Date.UTC(2020, 0, 1) + Math.floor(i / models) * DAY_MS).toISOString().slice(0, 10),
    model: `openai/model-${i % models}`,
    requests: i + 1,
    promptTokens: 10 * i,
    completionTokens: 20 * i,
    cachedTokens: i % 4,
    reasoningTokens: 0,
    costNanoUsd: 1_000_000 * i,
    providerCostNanoUsd: PROVIDER_COST_MARK,
    updatedAt: Date.now(),
  }));
  const db = billingDb(env.BILLING_DB);
  for (const batch of batches(rows)) for (const select of jsonRowSelects(usageLedger, batch)) await db.insert(usageLedger).select(select);
}

/** `n` billing receipts of the account. */
export async function seedReceipts(accountId: string, n: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    requestId: `req_${accountId.slice(-8)}${(1_000_000 + i).toString(16).padStart(24, "0")}`,
    runId: `run_${i % 7}`,
    accountId,
    day: "2026-01-02",
    model: "openai/gpt-4o-mini",
    promptTokens: i,
    completionTokens: i,
    cachedTokens: 0,
    reasoningTokens: 0,
    costNanoUsd: 5 * i,
    providerCostNanoUsd: PROVIDER_COST_MARK,
    billedAt: Date.now() - i,
  }));
  const db = billingDb(env.BILLING_DB);
  for (const batch of batches(rows)) for (const select of jsonRowSelects(billingReceipts, batch)) await db.insert(billingReceipts).select(select);
}

/** A provider cost no customer-facing number equals: tests look for it in what customers get. */
export const PROVIDER_COST_MARK = 987_654_321;

/**
 * `n` credit ledger entries of the account, as its limiter object writes them:
 * a top-up, then usage debits carrying a provider cost, an adjustment with
 * an operator note last. Sum: 10 USD - (n - 2) × 0.01 USD + 0.5 USD.
 */
export async function seedCredits(accountId: string, n: number, at = Date.now() - 3 * DAY_MS): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => {
    const kind = i === 0 ? ("topup" as const) : i === n - 1 ? ("adjustment" as const) : ("usage" as const);
    return {
      entryId: `${kind}:${accountId.slice(-8)}:${i.toString().padStart(4, "0")}`,
      accountId,
      kind,
      amountNanoUsd: kind === "topup" ? 10_000_000_000 : kind === "adjustment" ? 500_000_000 : -10_000_000,
      providerCostNanoUsd: kind === "usage" ? PROVIDER_COST_MARK : 0,
      requests: kind === "usage" ? 3 : 0,
      paidMinor: kind === "topup" ? 1000 : null,
      currency: kind === "topup" ? "usd" : null,
      reference: kind === "topup" ? `cs_test_${accountId.slice(-8)}` : kind === "adjustment" ? "=goodwill" : null,
      note: kind === "adjustment" ? "support ticket 42" : null,
      createdAt: at + i * 1000,
    };
  });
  const db = billingDb(env.BILLING_DB);
  for (const batch of batches(rows)) for (const select of jsonRowSelects(creditLedger, batch)) await db.insert(creditLedger).select(select);
}
