/**
 * The log queue consumer. Every message is checked against the log event
 * schema (the queue is an edge like any other). Valid events are written to
 * the logs database (one row per request) and the billing ledger, both
 * idempotent, so a redelivered batch changes nothing. A malformed message is
 * acknowledged and a redacted record of it goes to the dead-letter queue: its
 * body stays out, since a message that fails the schema is one we cannot
 * vouch holds no content. A failed write retries the batch's valid messages;
 * after max_retries the queue moves them to the dead-letter queue itself.
 */
import { billingDb, logsDb } from "../db/client";
import { insertRequestLogs, toLogRow } from "../db/request-logs";
import { isBillable, recordUsage, toReceipt } from "../db/usage-ledger";
import { describeIssues, logEventSchema, requestIdSchema, type LogEvent } from "../shared/log-event";

/** What goes to the dead-letter queue for a malformed message: where it was and what was wrong, not what it said. */
export interface DeadLetterRecord {
  reason: "malformed_log_event";
  message_id: string;
  /** The request id, if the message carried a well-formed one. */
  request_id: string | null;
  /** Zod issue paths and codes. */
  issues: string[];
  attempts: number;
  rejected_at: number;
}

export type LoggerBindings = Pick<LoggerEnv, "LOGS_DB" | "BILLING_DB"> & { LOG_DLQ: Pick<Queue, "send"> };

function requestIdOf(body: unknown): string | null {
  const id = typeof body === "object" && body !== null ? (body as { request_id?: unknown }).request_id : undefined;
  return requestIdSchema.safeParse(id).success ? (id as string) : null;
}

async function deadLetter(dlq: LoggerBindings["LOG_DLQ"], record: DeadLetterRecord): Promise<void> {
  console.error("malformed log event acknowledged into the dead-letter queue", JSON.stringify(record));
  try {
    await dlq.send(record, { contentType: "json" });
  } catch (err) {
    // Retrying would not make the message valid; the log line above is the record.
    console.error("dead-letter send failed", record.message_id, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Writes events to both databases. Logs first, then billing: if billing
 * fails, the retry rewrites logs as a no-op and bills once. `runId` must be
 * unique per call (see recordUsage).
 */
export async function writeEvents(env: Pick<LoggerBindings, "LOGS_DB" | "BILLING_DB">, events: readonly LogEvent[], now: number, runId: string = crypto.randomUUID()): Promise<void> {
  await insertRequestLogs(logsDb(env.LOGS_DB), events.map((e) => toLogRow(e, now)));
  await recordUsage(billingDb(env.BILLING_DB), events.filter(isBillable).map((e) => toReceipt(e, now)), runId, now);
}

export async function consumeLogBatch(batch: MessageBatch<unknown>, env: LoggerBindings, now: number = Date.now()): Promise<void> {
  const valid: { message: Message<unknown>; event: LogEvent }[] = [];
  for (const message of batch.messages) {
    const parsed = logEventSchema.safeParse(message.body);
    if (parsed.success) {
      valid.push({ message, event: parsed.data });
      continue;
    }
    await deadLetter(env.LOG_DLQ, {
      reason: "malformed_log_event",
      message_id: message.id,
      request_id: requestIdOf(message.body),
      issues: describeIssues(parsed.error),
      attempts: message.attempts,
      rejected_at: now,
    });
    message.ack();
  }
  if (valid.length === 0) return;
  try {
    await writeEvents(env, valid.map((v) => v.event), now);
    for (const { message } of valid) message.ack();
  } catch (err) {
    console.error(`log batch write failed, retrying ${valid.length} events:`, err instanceof Error ? err.message : String(err));
    for (const { message } of valid) message.retry();
  }
}
