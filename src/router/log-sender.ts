/**
 * Sends log events to the queue after the response, many to a message.
 *
 * An event waits LOG_BATCH_WINDOW_MS in its request's own waitUntil for other
 * events of this isolate to join it; the first request whose wait ends takes
 * the batch and sends it, and the others find their event taken and stop. So
 * under load an isolate makes one queue send per window, not one per
 * request, and no request waits on another's I/O: each has its own timer,
 * and whichever wakes first sends (a request cut short before its wait ended
 * leaves the batch to the next one). Once taken, a batch depends on its
 * sender's request alone, as a single event did before batching.
 *
 * A send is bounded: a few attempts with growing pauses, each cut off after a
 * timeout. It never throws, so a queue outage costs log events (each failure
 * leaves a log line), never a response. A send that timed out may still have
 * landed; the retry is then a duplicate, which the logger's idempotent writes
 * absorb.
 */
import { MAX_EVENTS_PER_MESSAGE, type LogEvent, type LogMessage } from "../shared/log-event";
import { Coalescer } from "../shared/coalesce";

export interface SendOptions {
  attempts: number;
  /** Pause before the second attempt; doubled before each further one. */
  backoffMs: number;
  timeoutMs: number;
  /** How long an event waits for others to share its message. */
  windowMs: number;
}

/**
 * 20 ms: long enough to gather an isolate's events under load (at 1,000
 * requests/s, ~20 per message), short enough that little is held in memory.
 */
export const LOG_BATCH_WINDOW_MS = 20;

export const LOG_SEND_DEFAULTS: SendOptions = { attempts: 3, backoffMs: 100, timeoutMs: 5000, windowMs: LOG_BATCH_WINDOW_MS };

/** The part of a Queue binding this needs, so tests can hand in a fake. */
export type LogQueue = Pick<Queue<LogMessage>, "send">;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Events still gathering, per queue binding (tests hand in their own queues). */
const openBatches = new Coalescer<LogQueue, LogEvent>(MAX_EVENTS_PER_MESSAGE);

/**
 * Adds the event to this isolate's open batch and, unless another request
 * sends that batch first, sends it after the window (at once when full).
 * Resolves when the event has been handed on: sent by this request, given up
 * after the attempt bound, or taken by another request for its send.
 */
export async function queueLogEvent(queue: LogQueue, event: LogEvent, options: SendOptions = LOG_SEND_DEFAULTS): Promise<void> {
  const batch = await openBatches.join(queue, event, options.windowMs);
  if (batch) await sendLogMessage(queue, { events: batch }, options);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue send timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer ?? undefined));
}

/** True when the message was accepted by the queue. */
export async function sendLogMessage(queue: LogQueue, message: LogMessage, options: SendOptions = LOG_SEND_DEFAULTS): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withTimeout(queue.send(message, { contentType: "json" }), options.timeoutMs);
      return true;
    } catch (err) {
      if (attempt >= options.attempts) {
        // Ids and the error only: the events are metadata, but a log line needs no more.
        const ids = message.events.map((e) => e.request_id).join(" ");
        console.error(`log events dropped after ${attempt} attempts:`, err instanceof Error ? err.message : String(err), ids);
        return false;
      }
      await sleep(options.backoffMs * 2 ** (attempt - 1));
    }
  }
}
