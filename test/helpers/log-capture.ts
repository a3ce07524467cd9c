/**
 * Calls the router with a capturing log queue in place of LOG_QUEUE, so a test
 * can see the events a request produced once its waitUntil work has settled.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/router/index";
import type { LogEvent, LogMessage } from "../../src/shared/log-event";

const METRICS: QueueSendMetrics = { backlogCount: 0, backlogBytes: 0 };

export type SendBehaviour = "ok" | "fail" | "hang";

/** A Queue that records sent messages and their events; `behaviour(n)` decides how the n-th send goes. */
export class CapturingQueue implements Queue<unknown> {
  readonly events: LogEvent[] = [];
  readonly messages: LogMessage[] = [];
  attempts = 0;
  constructor(private readonly behaviour: (attempt: number) => SendBehaviour = () => "ok") {}

  async send(body: unknown): Promise<QueueSendResponse> {
    this.attempts++;
    const how = this.behaviour(this.attempts);
    if (how === "fail") throw new Error("queue unavailable");
    if (how === "hang") return new Promise<never>(() => {});
    this.messages.push(body as LogMessage);
    this.events.push(...(body as LogMessage).events);
    return { metadata: { metrics: METRICS } };
  }

  async sendBatch(): Promise<QueueSendBatchResponse> {
    throw new Error("the router sends one message per batch of events");
  }

  async metrics(): Promise<QueueMetrics> {
    return METRICS;
  }
}

export interface LoggedCall {
  response: Response;
  queue: CapturingQueue;
  /** Waits for the request's waitUntil work (read a streamed body first) and returns the events sent. */
  settled(): Promise<LogEvent[]>;
}

/** Calls the router with the capturing queue, and `vars` in place of the configured ones (e.g. a short timeout). */
export async function callWithLog(path: string, init: RequestInit = {}, queue = new CapturingQueue(), vars: Partial<Env> = {}): Promise<LoggedCall> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://router.test${path}`, init), { ...env, ...vars, LOG_QUEUE: queue }, ctx);
  return {
    response,
    queue,
    settled: async () => {
      await waitOnExecutionContext(ctx);
      return queue.events;
    },
  };
}

export function chatInit(key: string, body: unknown, extra: RequestInit = {}): RequestInit {
  return {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...extra,
  };
}

/**
 * Reads a body to its end with a reader. A streamed body produced in this same
 * context never finishes `response.text()` when the worker is called directly
 * (workerd quirk seen here); reading chunk by chunk does.
 */
export async function readBody(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}
