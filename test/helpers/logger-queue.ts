/** Delivers queue messages to the logger worker as the queue would, and reads what it wrote. */
import { createExecutionContext, createMessageBatch, getQueueResult, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { billingDb, logsDb } from "../../src/db/client";
import { usageLedger } from "../../src/db/billing-schema";
import { requestLogs } from "../../src/db/logs-schema";
import worker from "../../src/logger/index";

export function asMessages(bodies: unknown[], attempts = 1): MessageBatchMessage[] {
  return bodies.map((body) => ({ id: `msg-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body }));
}

export async function deliver(messages: MessageBatchMessage[], bindings: LoggerEnv = env) {
  const batch = createMessageBatch("emby-logs", messages);
  const ctx = createExecutionContext();
  // The handler uses no ExecutionContext; getQueueResult still wants one to wait on.
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

export const logRows = () => logsDb(env.LOGS_DB).select().from(requestLogs);
export const ledger = () => billingDb(env.BILLING_DB).select().from(usageLedger).orderBy(usageLedger.accountId, usageLedger.day, usageLedger.model);

/** LOGS_DB whose batches fail, as during a D1 outage. */
export function failingLogsDb(): D1Database {
  return new Proxy(env.LOGS_DB, {
    get(target, prop) {
      if (prop === "batch") return () => Promise.reject(new Error("D1 unavailable"));
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Spies on the dead-letter queue; `records()` lists every record sent, in order, across its batches. */
export function watchDeadLetters(dlq: Queue) {
  const spy = vi.spyOn(dlq, "sendBatch");
  return {
    spy,
    records: () => spy.mock.calls.flatMap(([messages]) => [...messages].map((m) => m.body as Record<string, unknown>)),
  };
}
