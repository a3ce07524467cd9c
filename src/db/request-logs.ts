import { and, eq, inArray, lt } from "drizzle-orm";
import type { LogEvent } from "../shared/log-event";
import { deleteInChunks, type PurgeResult } from "./chunks";
import type { LogsDb } from "./client";
import { jsonRowSelects } from "./json-insert";
import { requestLogs, type NewRequestLog, type RequestLog } from "./logs-schema";

/** The row for one log event: the same fields, nothing added but the write time. */
export function toLogRow(e: LogEvent, loggedAt: number): NewRequestLog {
  return {
    requestId: e.request_id,
    accountId: e.account_id,
    keyId: e.key_id,
    endpoint: e.endpoint,
    method: e.method,
    model: e.model,
    provider: e.provider,
    upstreamModel: e.upstream_model,
    attempts: e.attempts,
    route: e.route ?? null,
    dataRegion: e.data_region ?? null,
    attemptLog: e.attempt_log ?? null,
    receivedAt: e.received_at,
    firstByteAt: e.first_byte_at,
    completedAt: e.completed_at,
    latencyMs: e.latency_ms,
    status: e.status,
    errorCode: e.error_code,
    promptTokens: e.prompt_tokens,
    completionTokens: e.completion_tokens,
    cachedTokens: e.cached_tokens,
    reasoningTokens: e.reasoning_tokens,
    usageEstimated: e.usage_estimated ?? false,
    costNanoUsd: e.cost_nano_usd,
    streamed: e.streamed,
    clientAborted: e.client_aborted,
    cache: e.cache ?? null,
    ip: e.ip,
    userAgent: e.user_agent,
    edgeLocation: e.edge_location,
    loggedAt,
  };
}

/**
 * Writes log rows in one D1 batch, as one statement (src/db/json-insert.ts).
 * The request id is the primary key and a conflict is ignored, so a
 * redelivered event never makes a second row.
 */
export async function insertRequestLogs(db: LogsDb, rows: readonly NewRequestLog[]): Promise<void> {
  if (rows.length === 0) return;
  const [first, ...rest] = jsonRowSelects(requestLogs, rows).map((select) => db.insert(requestLogs).select(select).onConflictDoNothing());
  await db.batch([first!, ...rest]);
}

/** One request's record, only if it belongs to the account. */
export async function findRequestLog(db: LogsDb, accountId: string, requestId: string): Promise<RequestLog | undefined> {
  return db.query.requestLogs.findFirst({ where: and(eq(requestLogs.requestId, requestId), eq(requestLogs.accountId, accountId)) });
}

/** Deletes log rows of requests received before `cutoff`, in bounded chunks. */
export function purgeLogsBefore(db: LogsDb, cutoff: number, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  return deleteInChunks(async (limit) => {
    const ids = db.select({ id: requestLogs.requestId }).from(requestLogs).where(lt(requestLogs.receivedAt, cutoff)).limit(limit);
    const res = await db.delete(requestLogs).where(inArray(requestLogs.requestId, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}

/** Deletes every log row of an account (erasure), in bounded chunks. */
export function purgeAccountLogs(db: LogsDb, accountId: string, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  return deleteInChunks(async (limit) => {
    const ids = db.select({ id: requestLogs.requestId }).from(requestLogs).where(eq(requestLogs.accountId, accountId)).limit(limit);
    const res = await db.delete(requestLogs).where(inArray(requestLogs.requestId, ids)).run();
    return res.meta.changes;
  }, chunkSize, maxChunks);
}
