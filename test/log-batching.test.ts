/**
 * The router packs the log events an isolate finishes within a short window
 * into one queue message (src/router/log-sender.ts).
 */
import { describe, expect, it } from "vitest";
import { LOG_SEND_DEFAULTS, queueLogEvent, type SendOptions } from "../src/router/log-sender";
import { logEventSchema, MAX_EVENTS_PER_MESSAGE, MAX_USER_AGENT_LENGTH, type LogEvent } from "../src/shared/log-event";
import { CapturingQueue, callWithLog } from "./helpers/log-capture";
import { logEvent, longestRouting } from "./helpers/log-events";
import { newCustomer } from "./helpers/router";

const options = (overrides: Partial<SendOptions> = {}): SendOptions => ({ ...LOG_SEND_DEFAULTS, ...overrides });

describe("log event batching", () => {
  it("sends the events of concurrent requests in one isolate as one message, each event once", async () => {
    const customer = await newCustomer();
    const queue = new CapturingQueue();
    const calls = await Promise.all(
      Array.from({ length: 12 }, () => callWithLog("/v1/models", { headers: { authorization: `Bearer ${customer.key}` } }, queue)),
    );
    for (const call of calls) await call.settled();
    expect(queue.messages).toHaveLength(1);
    const ids = queue.events.map((e) => e.request_id).sort();
    expect(ids).toEqual(calls.map((c) => c.response.headers.get("x-request-id")).sort());
  });

  it("sends a full batch at once, without waiting for the window, and starts a new one for the next event", async () => {
    const queue = new CapturingQueue();
    const events = Array.from({ length: MAX_EVENTS_PER_MESSAGE + 1 }, () => logEvent());
    const slow = options({ windowMs: 2_000 });
    const firstFull = events.slice(0, MAX_EVENTS_PER_MESSAGE).map((e) => queueLogEvent(queue, e, slow));
    let firstWindowEnded = false;
    void firstFull[0]!.then(() => (firstWindowEnded = true));
    // The event that fills the batch sends it; the others are still in their
    // window (checked by order, not by the clock: the first window, started
    // earlier, would have ended before the last one's).
    await firstFull.at(-1);
    expect(firstWindowEnded).toBe(false);
    expect(queue.messages.map((m) => m.events.length)).toEqual([MAX_EVENTS_PER_MESSAGE]);
    // When their windows end they find their batch sent, and send nothing more.
    await Promise.all(firstFull);
    expect(queue.messages).toHaveLength(1);

    await queueLogEvent(queue, events[MAX_EVENTS_PER_MESSAGE]!, options({ windowMs: 1 }));
    expect(queue.messages.map((m) => m.events.length)).toEqual([MAX_EVENTS_PER_MESSAGE, 1]);
    expect(new Set(queue.events.map((e) => e.request_id)).size).toBe(events.length);
  });

  it("splits a burst into messages of at most the limit and loses none", async () => {
    const queue = new CapturingQueue();
    const events = Array.from({ length: 2 * MAX_EVENTS_PER_MESSAGE + 7 }, () => logEvent());
    await Promise.all(events.map((e) => queueLogEvent(queue, e, options({ windowMs: 5 }))));
    expect(queue.messages.map((m) => m.events.length)).toEqual([MAX_EVENTS_PER_MESSAGE, MAX_EVENTS_PER_MESSAGE, 7]);
    expect(queue.events.map((e) => e.request_id).sort()).toEqual(events.map((e) => e.request_id).sort());
  });

  it("keeps the events of different queue bindings apart", async () => {
    const a = new CapturingQueue();
    const b = new CapturingQueue();
    const [ea, eb] = [logEvent(), logEvent()];
    await Promise.all([queueLogEvent(a, ea, options({ windowMs: 5 })), queueLogEvent(b, eb, options({ windowMs: 5 }))]);
    expect(a.events).toEqual([ea]);
    expect(b.events).toEqual([eb]);
  });

  it("a message of the largest valid events stays under Queues' 128 KB message limit", () => {
    const largest: LogEvent = logEvent({
      model: `${"p".repeat(32)}/${"m".repeat(96)}`,
      provider: "p".repeat(32),
      upstream_model: "u".repeat(128),
      error_code: `e${"x".repeat(63)}`,
      ip: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
      // Quotes and backslashes double when serialised.
      user_agent: '"\\'.repeat(MAX_USER_AGENT_LENGTH / 2),
      prompt_tokens: Number.MAX_SAFE_INTEGER,
      completion_tokens: Number.MAX_SAFE_INTEGER,
      cached_tokens: Number.MAX_SAFE_INTEGER,
      reasoning_tokens: Number.MAX_SAFE_INTEGER,
      cost_nano_usd: Number.MAX_SAFE_INTEGER,
      usage_estimated: false,
      ...longestRouting(),
    });
    expect(logEventSchema.safeParse(largest).success).toBe(true);
    const bytes = new TextEncoder().encode(JSON.stringify({ events: Array(MAX_EVENTS_PER_MESSAGE).fill(largest) })).length;
    expect(bytes).toBeLessThan(128 * 1024);
  });
});
