/**
 * The log queue consumer. A message holds the events of one router isolate's
 * send window (`{events: [...]}`), or a single event from a router deployed
 * before batching. The envelope and every event are checked against their
 * schemas (the queue is an edge like any other). Valid events are written to
 * the logs database (one row per request) and the billing ledger, both
 * idempotent, so a redelivered batch changes nothing. A malformed event (or
 * envelope) gets a redacted record in the dead-letter queue: its body stays
 * out, since a message that fails the schema is one we cannot vouch holds no
 * content. A message is acknowledged once its valid events are written; a
 * failed write retries every message that had valid events, and after
 * max_retries the queue moves them to the dead-letter queue itself.
 */
import { billingDb, logsDb } from "../db/client";
import { insertRequestLogs, toLogRow } from "../db/request-logs";
import { isBillable, recordUsage, toReceipt } from "../db/usage-ledger";
import { describeIssues, logEventSchema, logMessageSchema, requestIdSchema, type LogEvent } from "../shared/log-event";

/** What goes to the dead-letter queue for a malformed event: where it was and what was wrong, not what it said. */
export interface DeadLetterRecord {
  reason: "malformed_log_event" | "malformed_log_message";
  message_id: string;
  /** The event's position in the message's `events`; null for a single-event message or a bad envelope. */
  event_index: number | null;
  /** The request id, if the event carried a well-formed one. */
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

/** The event bodies a message holds, or why its envelope is malformed. */
function bodiesOf(body: unknown): { bodies: unknown[]; batched: boolean } | { issues: string[] } {
  if (typeof body !== "object" || body === null || !("events" in body)) return { bodies: [body], batched: false };
  const envelope = logMessageSchema.safeParse(body);
  return envelope.success ? { bodies: envelope.data.events, batched: true } : { issues: describeIssues(envelope.error) };
}

export async function consumeLogBatch(batch: MessageBatch<unknown>, env: LoggerBindings, now: number = Date.now()): Promise<void> {
  const written: Message<unknown>[] = [];
  const events: LogEvent[] = [];
  for (const message of batch.messages) {
    const reject = (record: Pick<DeadLetterRecord, "reason" | "event_index" | "request_id" | "issues">) =>
      deadLetter(env.LOG_DLQ, { ...record, message_id: message.id, attempts: message.attempts, rejected_at: now });
    const content = bodiesOf(message.body);
    if ("issues" in content) {
      await reject({ reason: "malformed_log_message", event_index: null, request_id: null, issues: content.issues });
      message.ack();
      continue;
    }
    let valid = 0;
    for (const [index, body] of content.bodies.entries()) {
      const parsed = logEventSchema.safeParse(body);
      if (parsed.success) {
        events.push(parsed.data);
        valid++;
        continue;
      }
      const event_index = content.batched ? index : null;
      await reject({ reason: "malformed_log_event", event_index, request_id: requestIdOf(body), issues: describeIssues(parsed.error) });
    }
    if (valid > 0) written.push(message);
    else message.ack();
  }
  if (events.length === 0) return;
  try {
    await writeEvents(env, events, now);
    for (const message of written) message.ack();
  } catch (err) {
    console.error(`log batch write failed, retrying ${written.length} messages (${events.length} events):`, err instanceof Error ? err.message : String(err));
    for (const message of written) message.retry();
  }
}
