import { and, asc, count, eq, gte, inArray, lt, lte, sql } from "drizzle-orm";
import type { LogEvent } from "../shared/log-event";
import { utcDay } from "../shared/retention";
import { deleteInChunks, type PurgeResult } from "./chunks";
import type { BillingDb } from "./client";
import { jsonRowSelects } from "./json-insert";
import { billingReceipts, usageLedger, type NewBillingReceipt, type UsageRow } from "./billing-schema";

/**
 * Whether a request is billed: it named a catalogue model and the router
 * called a provider for it. Requests refused before that (auth, validation,
 * consent, limits) cost nothing and are not usage; they stay in the logs.
 */
export function isBillable(e: LogEvent): e is LogEvent & { account_id: string; model: string } {
  return e.account_id !== null && e.model !== null && e.attempts > 0;
}

/** The receipt of one billed request; `runId` is set by recordUsage. */
export function toReceipt(e: LogEvent & { account_id: string; model: string }, billedAt: number): Omit<NewBillingReceipt, "runId"> {
  return {
    requestId: e.request_id,
    accountId: e.account_id,
    day: utcDay(e.received_at),
    model: e.model,
    promptTokens: e.prompt_tokens,
    completionTokens: e.completion_tokens,
    cachedTokens: e.cached_tokens,
    reasoningTokens: e.reasoning_tokens,
    costNanoUsd: e.cost_nano_usd,
    // Events from before the markup carry no provider cost: it equalled the price.
    providerCostNanoUsd: e.provider_cost_nano_usd ?? e.cost_nano_usd,
    billedAt,
  };
}

/**
 * Adds requests to the ledger exactly once, however often they are delivered.
 *
 * In one D1 transaction (a batch): insert a receipt per request, skipping
 * requests already receipted, each tagged with this run's unique id; then add
 * to the ledger exactly the receipts carrying that id. A redelivered request
 * keeps its old receipt and old run id, so it is not counted again; if the
 * transaction fails, neither receipts nor ledger change and the redelivery
 * counts it once. The receipts are one statement (src/db/json-insert.ts),
 * several only if their JSON outgrew D1's value size; however many, they run
 * before the ledger statement in the same batch.
 */
export async function recordUsage(db: BillingDb, receipts: readonly Omit<NewBillingReceipt, "runId">[], runId: string, now: number): Promise<void> {
  if (receipts.length === 0) return;
  const tagged = receipts.map((r) => ({ ...r, runId }));
  const inserts = jsonRowSelects(billingReceipts, tagged).map((select) => db.insert(billingReceipts).select(select).onConflictDoNothing());
  const r = billingReceipts;
  const fromThisRun = db
    .select({
      accountId: r.accountId,
      day: r.day,
      model: r.model,
      requests: count().as("requests"),
      promptTokens: sql<number>`sum(${r.promptTokens})`.as("prompt_tokens"),
      completionTokens: sql<number>`sum(${r.completionTokens})`.as("completion_tokens"),
      cachedTokens: sql<number>`sum(${r.cachedTokens})`.as("cached_tokens"),
      reasoningTokens: sql<number>`sum(${r.reasoningTokens})`.as("reasoning_tokens"),
      costNanoUsd: sql<number>`sum(${r.costNanoUsd})`.as("cost_nano_usd"),
      providerCostNanoUsd: sql<number>`sum(${r.providerCostNanoUsd})`.as("provider_cost_nano_usd"),
      updatedAt: sql<number>`${now}`.as("updated_at"),
    })
    .from(r)
    .where(eq(r.runId, runId))
    .groupBy(r.accountId, r.day, r.model);
  const l = usageLedger;
  const addToLedger = db
    .insert(l)
    .select(fromThisRun)
    .onConflictDoUpdate({
      target: [l.accountId, l.day, l.model],
      set: {
        requests: sql`${l.requests} + excluded.requests`,
        promptTokens: sql`${l.promptTokens} + excluded.prompt_tokens`,
        completionTokens: sql`${l.completionTokens} + excluded.completion_tokens`,
        cachedTokens: sql`${l.cachedTokens} + excluded.cached_tokens`,
        reasoningTokens: sql`${l.reasoningTokens} + excluded.reasoning_tokens`,
        costNanoUsd: sql`${l.costNanoUsd} + excluded.cost_nano_usd`,
        providerCostNanoUsd: sql`${l.providerCostNanoUsd} + excluded.provider_cost_nano_usd`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
  const [first, ...rest] = inserts;
  await db.batch([first!, ...rest, addToLedger]);
}

/** An account's ledger rows between two UTC days (inclusive), optionally for one model. */
export async function usageBetween(db: BillingDb, accountId: string, fromDay: string, toDay: string, model?: string): Promise<UsageRow[]> {
  const l = usageLedger;
  return db
    .select()
    .from(l)
    .where(and(eq(l.accountId, accountId), gte(l.day, fromDay), lte(l.day, toDay), model ? eq(l.model, model) : undefined))
    .orderBy(asc(l.day), asc(l.model));
}

/** Whether the account has any ledger row at all (the primary key's prefix answers it). */
export async function hasUsage(db: BillingDb, accountId: string): Promise<boolean> {
  const l = usageLedger;
  const rows = await db.select({ accountId: l.accountId }).from(l).where(eq(l.accountId, accountId)).limit(1);
  return rows.length > 0;
}

/** Deletes ledger rows for days before `cutoffDay` (YYYY-MM-DD), in bounded chunks. */
export function purgeLedgerBefore(db: BillingDb, cutoffDay: string, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  const l = usageLedger;
  return deleteInChunks(async (limit) => {
    // The ledger has a composite key; its rowid picks a bounded set of rows.
    const res = await db.run(sql`delete from ${l} where rowid in (select rowid from ${l} where ${l.day} < ${cutoffDay} limit ${limit})`);
    return res.meta.changes;
  }, chunkSize, maxChunks);
}

/** Deletes receipts written before `cutoff`: past the redelivery window they are not needed. */
export function purgeReceiptsBefore(db: BillingDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  const r = billingReceipts;
  return deleteInChunks(async (limit) => {
    const ids = db.select({ id: r.requestId }).from(r).where(lt(r.billedAt, cutoff)).limit(limit);
    const res = await db.delete(r).where(inArray(r.requestId, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}
