/**
 * The log queue consumer. A message holds the events of one router isolate's
 * send window (`{events: [...]}`), or a single event from a router deployed
 * before batching. The envelope and every event are checked against their
 * schemas (the queue is an edge like any other). Valid events are written to
 * the logs database (one row per request) and the billing ledger, both
 * idempotent, so a redelivered batch changes nothing. A malformed event (or
 * envelope) gets a redacted record in the dead-letter queue: its body stays
 * out, since a message that fails the schema is one we cannot vouch holds no
 * content. A message is acknowledged once its valid events are written. A
 * failed write retries the messages whose events were all valid (after
 * max_retries the queue moves them to the dead-letter queue itself); a
 * message that also held malformed events is not retried as it is, since
 * Queues would then dead-letter its whole body, malformed events included:
 * its valid events are queued again as a clean message and it is acknowledged.
 */
import { billingDb, logsDb } from "../db/client";
import { insertRequestLogs, toLogRow } from "../db/request-logs";
import { isBillable, recordUsage, toReceipt } from "../db/usage-ledger";
import { describeIssues, logEventSchema, logMessageSchema, requestIdSchema, type LogEvent, type LogMessage } from "../shared/log-event";

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

export type LoggerBindings = Pick<LoggerEnv, "LOGS_DB" | "BILLING_DB"> & { LOG_DLQ: Pick<Queue, "sendBatch">; LOG_QUEUE: Pick<Queue, "send"> };

/** Queues takes at most 100 messages per sendBatch. */
const MAX_SEND_BATCH = 100;

function requestIdOf(body: unknown): string | null {
  const id = typeof body === "object" && body !== null ? (body as { request_id?: unknown }).request_id : undefined;
  return requestIdSchema.safeParse(id).success ? (id as string) : null;
}

async function deadLetter(dlq: LoggerBindings["LOG_DLQ"], records: readonly DeadLetterRecord[]): Promise<void> {
  for (const record of records) console.error("malformed log event acknowledged into the dead-letter queue", JSON.stringify(record));
  for (let i = 0; i < records.length; i += MAX_SEND_BATCH) {
    const chunk = records.slice(i, i + MAX_SEND_BATCH);
    try {
      await dlq.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
    } catch (err) {
      // Retrying would not make the messages valid; the log lines above are the record.
      console.error("dead-letter send failed", chunk.map((r) => r.message_id).join(" "), err instanceof Error ? err.message : String(err));
    }
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

/** A message whose events were checked: the valid ones, and whether it held malformed ones too. */
interface Checked {
  message: Message<unknown>;
  events: LogEvent[];
  hadMalformed: boolean;
}

export async function consumeLogBatch(batch: MessageBatch<unknown>, env: LoggerBindings, now: number = Date.now()): Promise<void> {
  const records: DeadLetterRecord[] = [];
  const checked: Checked[] = [];
  for (const message of batch.messages) {
    const reject = (record: Pick<DeadLetterRecord, "reason" | "event_index" | "request_id" | "issues">) =>
      records.push({ ...record, message_id: message.id, attempts: message.attempts, rejected_at: now });
    const content = bodiesOf(message.body);
    if ("issues" in content) {
      reject({ reason: "malformed_log_message", event_index: null, request_id: null, issues: content.issues });
      message.ack();
      continue;
    }
    const events: LogEvent[] = [];
    for (const [index, body] of content.bodies.entries()) {
      const parsed = logEventSchema.safeParse(body);
      if (parsed.success) {
        events.push(parsed.data);
        continue;
      }
      const event_index = content.batched ? index : null;
      reject({ reason: "malformed_log_event", event_index, request_id: requestIdOf(body), issues: describeIssues(parsed.error) });
    }
    if (events.length > 0) checked.push({ message, events, hadMalformed: events.length < content.bodies.length });
    else message.ack();
  }
  await deadLetter(env.LOG_DLQ, records);
  if (checked.length === 0) return;
  try {
    await writeEvents(env, checked.flatMap((c) => c.events), now);
    for (const { message } of checked) message.ack();
  } catch (err) {
    const count = checked.reduce((n, c) => n + c.events.length, 0);
    console.error(`log batch write failed, retrying ${checked.length} messages (${count} events):`, err instanceof Error ? err.message : String(err));
    for (const c of checked) await retryLater(env.LOG_QUEUE, c);
  }
}

/**
 * Leaves a message's valid events for a later delivery. A message that held
 * malformed events too is replaced by a clean one, so what Queues may one
 * day move to the dead-letter queue holds valid events only. Only if that
 * send fails too is the original retried (the next delivery tries again).
 */
async function retryLater(queue: LoggerBindings["LOG_QUEUE"], { message, events, hadMalformed }: Checked): Promise<void> {
  if (!hadMalformed) return message.retry();
  try {
    await queue.send({ events } satisfies LogMessage, { contentType: "json" });
    message.ack();
  } catch (err) {
    console.error("re-queueing valid events failed, retrying the message", message.id, err instanceof Error ? err.message : String(err));
    message.retry();
  }
}
