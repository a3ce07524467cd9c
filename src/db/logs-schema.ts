/**
 * Logs database (binding LOGS_DB): API request metadata, one row per request,
 * written only by the logger worker and deleted 30 days after the request
 * (LOG_RETENTION_MS). Columns mirror the log event (src/shared/log-event.ts):
 * identifiers, codes and numbers, never prompt or response content.
 * Listed in docs/storage.md; keep both in step.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AttemptLogEntry } from "../shared/log-event";

export const requestLogs = sqliteTable(
  "request_logs",
  {
    /** The router's request id (`x-request-id`); the primary key makes redelivery a no-op. */
    requestId: text("request_id").primaryKey(),
    accountId: text("account_id"),
    keyId: text("key_id"),
    endpoint: text("endpoint").notNull(),
    method: text("method").notNull(),
    model: text("model"),
    provider: text("provider"),
    upstreamModel: text("upstream_model"),
    attempts: integer("attempts").notNull(),
    /**
     * The routing record (endpoint ids, region, router codes, statuses,
     * durations); NULL on rows of events that did not carry it (written
     * before the columns existed, or by a router that recorded no routes).
     * `route` and `data_region` are also NULL when no route answered.
     */
    route: text("route"),
    dataRegion: text("data_region", { enum: ["eu", "us", "global"] }),
    /** The event's `attempt_log`, as JSON text: `[{route, upstream_model, code, status, latency_ms}]`. */
    attemptLog: text("attempt_log", { mode: "json" }).$type<AttemptLogEntry[]>(),
    receivedAt: integer("received_at").notNull(),
    firstByteAt: integer("first_byte_at"),
    completedAt: integer("completed_at").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    status: integer("status").notNull(),
    errorCode: text("error_code"),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    cachedTokens: integer("cached_tokens").notNull(),
    reasoningTokens: integer("reasoning_tokens").notNull(),
    /** The tokens are partly the router's count (an abandoned stream); NULL on rows written before the column existed. */
    usageEstimated: integer("usage_estimated", { mode: "boolean" }),
    costNanoUsd: integer("cost_nano_usd").notNull(),
    streamed: integer("streamed", { mode: "boolean" }).notNull(),
    clientAborted: integer("client_aborted", { mode: "boolean" }).notNull(),
    /** The response cache's part: hit, miss or bypass (model calls); NULL for other requests and rows written before the column existed. */
    cache: text("cache", { enum: ["hit", "miss", "bypass"] }),
    ip: text("ip"),
    userAgent: text("user_agent"),
    edgeLocation: text("edge_location"),
    /** When the logger wrote the row. */
    loggedAt: integer("logged_at").notNull(),
  },
  (t) => [
    // Retention deletes by age; account erasure and per-account reads by account.
    index("request_logs_received_at_idx").on(t.receivedAt),
    index("request_logs_account_idx").on(t.accountId, t.receivedAt),
  ],
);

export type RequestLog = typeof requestLogs.$inferSelect;
export type NewRequestLog = typeof requestLogs.$inferInsert;
