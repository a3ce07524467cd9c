/**
 * Sends a log event to the queue after the response, within bounds: a few
 * attempts with growing pauses, each cut off after a timeout. It never throws,
 * so a queue outage costs log events (each failure leaves a log line), never
 * a response. A send that timed out may still have landed; the retry is then
 * a duplicate, which the logger's idempotent writes absorb.
 */
import type { LogEvent } from "../shared/log-event";

export interface SendOptions {
  attempts: number;
  /** Pause before the second attempt; doubled before each further one. */
  backoffMs: number;
  timeoutMs: number;
}

export const LOG_SEND_DEFAULTS: SendOptions = { attempts: 3, backoffMs: 100, timeoutMs: 5000 };

/** The part of a Queue binding this needs, so tests can hand in a fake. */
export type LogQueue = Pick<Queue<LogEvent>, "send">;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue send timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when the event was accepted by the queue. */
export async function sendLogEvent(queue: LogQueue, event: LogEvent, options: SendOptions = LOG_SEND_DEFAULTS): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withTimeout(queue.send(event, { contentType: "json" }), options.timeoutMs);
      return true;
    } catch (err) {
      if (attempt >= options.attempts) {
        // Ids and the error only: the event itself is metadata, but a log line needs no more.
        console.error("log event dropped", event.request_id, `after ${attempt} attempts:`, err instanceof Error ? err.message : String(err));
        return false;
      }
      await sleep(options.backoffMs * 2 ** (attempt - 1));
    }
  }
}
