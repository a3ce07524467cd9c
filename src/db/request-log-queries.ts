/**
 * Reads of one account's request logs for the console: a page of the list,
 * newest first, with filters. Each read is one statement with a handful of
 * bound parameters; index request_logs_account_idx (account_id,
 * received_at) gives the account's rows in time order, so a page reads from
 * the cursor down until it has enough rows that pass the filters.
 */
import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import type { LogsDb } from "./client";
import { requestLogs } from "./logs-schema";

/** success: status below 400; error: 400 and above; or one exact HTTP status. */
export type StatusFilter = "success" | "error" | number;

export interface RequestLogFilter {
  /** Only requests received at or after this time (ms): the logs' 30 days. */
  since: number;
  model?: string;
  status?: StatusFilter;
  keyId?: string;
  /** Keyset cursor: only rows strictly older than this one, in the list's order. */
  before?: { receivedAt: number; requestId: string };
}

const r = requestLogs;

/** The columns the list shows; the detail page reads the whole row (findRequestLog). */
const listColumns = {
  requestId: r.requestId,
  receivedAt: r.receivedAt,
  model: r.model,
  keyId: r.keyId,
  status: r.status,
  errorCode: r.errorCode,
  promptTokens: r.promptTokens,
  completionTokens: r.completionTokens,
  costNanoUsd: r.costNanoUsd,
  latencyMs: r.latencyMs,
};

export type RequestLogListRow = { [K in keyof typeof listColumns]: (typeof r.$inferSelect)[K] };

function statusCondition(status: StatusFilter | undefined): SQL | undefined {
  if (status === undefined) return undefined;
  if (status === "success") return lt(r.status, 400);
  if (status === "error") return gte(r.status, 400);
  return eq(r.status, status);
}

/**
 * Up to `limit` of the account's requests matching the filter, newest first
 * (ties broken by request id, so the cursor never skips or repeats a row).
 */
export async function listAccountRequestLogs(db: LogsDb, accountId: string, filter: RequestLogFilter, limit: number): Promise<RequestLogListRow[]> {
  const before = filter.before;
  return db
    .select(listColumns)
    .from(r)
    .where(
      and(
        eq(r.accountId, accountId),
        gte(r.receivedAt, filter.since),
        before ? or(lt(r.receivedAt, before.receivedAt), and(eq(r.receivedAt, before.receivedAt), lt(r.requestId, before.requestId))) : undefined,
        filter.model === undefined ? undefined : eq(r.model, filter.model),
        filter.keyId === undefined ? undefined : eq(r.keyId, filter.keyId),
        statusCondition(filter.status),
      ),
    )
    .orderBy(desc(r.receivedAt), desc(r.requestId))
    .limit(limit);
}
