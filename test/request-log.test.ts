import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../src/providers/catalogue";
import { MAX_BODY_BYTES } from "../src/router/body";
import type { CallOutcome } from "../src/providers/types";
import type { AppEnv } from "../src/router/env";
import { requestId } from "../src/router/middleware/request-id";
import { requestLog } from "../src/router/middleware/request-log";
import { logEventSchema, type LogEvent } from "../src/shared/log-event";
import { CapturingQueue, callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { ADMIN_TOKEN, newCustomer, releaseHold, type Customer } from "./helpers/router";
import { preloadTokenizer } from "./helpers/tokenizer";

preloadTokenizer();

let customer: Customer;
let noConsent: Customer;
beforeAll(async () => {
  customer = await newCustomer();
  noConsent = await newCustomer({ consent: false });
});

const user = (content: string) => [{ role: "user", content }];
const decoder = new TextDecoder();

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  let text = "";
  while (!text.includes(needle)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** Exactly one event, valid against the shared schema, for the response's request id. */
async function onlyEvent(call: Awaited<ReturnType<typeof callWithLog>>): Promise<LogEvent> {
  const events = await call.settled();
  expect(events).toHaveLength(1);
  const event = events[0]!;
  expect(logEventSchema.safeParse(event).success).toBe(true);
  expect(event.request_id).toBe(call.response.headers.get("x-request-id"));
  return event;
}

describe("request log events", () => {
  it("sends one event for a completed call, with tokens, catalogue cost and timings", async () => {
    const started = Date.now();
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "openai/gpt-4o-mini", messages: user("Hello there") }));
    expect(call.response.status).toBe(200);
    const { usage } = (await call.response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const event = await onlyEvent(call);
    // The route that answers in the test env: OpenAI's own (the Azure EU route is not configured).
    const pricing = findModel("openai/gpt-4o-mini")!.routes.find((r) => r.endpoint === "openai")!.pricing;
    expect(event).toMatchObject({
      account_id: customer.accountId,
      key_id: customer.keyId,
      endpoint: "chat.completions",
      method: "POST",
      model: "openai/gpt-4o-mini",
      provider: "openai",
      upstream_model: "gpt-4o-mini",
      attempts: 1,
      status: 200,
      error_code: null,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      cost_nano_usd: Math.round((usage.prompt_tokens * pricing.prompt + usage.completion_tokens * pricing.completion) * 1000),
      streamed: false,
      client_aborted: false,
    });
    expect(event.received_at).toBeGreaterThanOrEqual(started);
    expect(event.first_byte_at).toBeGreaterThanOrEqual(event.received_at);
    expect(event.completed_at).toBeGreaterThanOrEqual(event.first_byte_at!);
    expect(event.latency_ms).toBe(event.completed_at - event.received_at);
  });

  it("sends a stream's event only after its body has ended, with the usage the stream reported", async () => {
    const hold = `hold-${crypto.randomUUID()}`;
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "mistral/mistral-small-latest", stream: true, messages: user(`fake:{"hold":"${hold}"}`) }));
    const reader = call.response.body!.getReader();
    await readUntil(reader, "Hello from");
    await new Promise((r) => setTimeout(r, 300));
    expect(call.queue.attempts).toBe(0);
    await releaseHold(hold);
    await readUntil(reader, "[DONE]");
    const event = await onlyEvent(call);
    expect(event).toMatchObject({ status: 200, streamed: true, client_aborted: false, error_code: null, model: "mistral/mistral-small-latest" });
    expect(event.prompt_tokens).toBeGreaterThan(0);
    expect(event.completion_tokens).toBeGreaterThan(0);
    expect(event.cost_nano_usd).toBeGreaterThan(0);
    // The hold lasted ≥ 300 ms, and latency runs to the end of the body.
    expect(event.latency_ms).toBeGreaterThanOrEqual(300);
  });

  const errorCases: { name: string; path: string; init: () => RequestInit; status: number; code: string; account: "customer" | "noConsent" | null; attempts: number }[] = [
    { name: "missing key (401)", path: "/v1/chat/completions", init: () => ({ method: "POST", body: "{}" }), status: 401, code: "missing_api_key", account: null, attempts: 0 },
    { name: "invalid JSON (400)", path: "/v1/chat/completions", init: () => chatInit(customer.key, "{not json"), status: 400, code: "invalid_json", account: "customer", attempts: 0 },
    { name: "unknown model (404)", path: "/v1/chat/completions", init: () => chatInit(customer.key, { model: "openai/nope", messages: user("hi") }), status: 404, code: "model_not_found", account: "customer", attempts: 0 },
    { name: "unknown route (404)", path: "/v1/nowhere", init: () => ({}), status: 404, code: "route_not_found", account: null, attempts: 0 },
    { name: "body too large (413)", path: "/v1/chat/completions", init: () => chatInit(customer.key, JSON.stringify({ model: "openai/gpt-4o-mini", messages: user("x".repeat(MAX_BODY_BYTES)) })), status: 413, code: "request_too_large", account: "customer", attempts: 0 },
    { name: "no consent (403)", path: "/v1/chat/completions", init: () => chatInit(noConsent.key, { model: "openai/gpt-4o-mini", messages: user("hi") }), status: 403, code: "consent_required", account: "noConsent", attempts: 0 },
    { name: "upstream rate limit (429)", path: "/v1/chat/completions", init: () => chatInit(customer.key, { model: "openai/gpt-4o-mini", messages: user('fake:{"status":429,"retryAfter":3}') }), status: 429, code: "upstream_rate_limited", account: "customer", attempts: 1 },
    // Both routes of the model (Mistral's EU and global endpoints) fail: two attempts.
    { name: "upstream failure (502)", path: "/v1/chat/completions", init: () => chatInit(customer.key, { model: "mistral/mistral-small-latest", messages: user('fake:{"status":500}') }), status: 502, code: "upstream_error", account: "customer", attempts: 2 },
    { name: "upstream overloaded (503)", path: "/v1/chat/completions", init: () => chatInit(customer.key, { model: "openai/gpt-4o-mini", stream: true, messages: user('fake:{"status":503}') }), status: 503, code: "upstream_unavailable", account: "customer", attempts: 1 },
    { name: "operator API without token (401)", path: "/admin/v1/accounts/lookup", init: () => ({ method: "POST", body: JSON.stringify({ email: "a@example.com" }) }), status: 401, code: "invalid_admin_token", account: null, attempts: 0 },
  ];

  for (const c of errorCases) {
    it(`sends one event with status and error code for ${c.name}`, async () => {
      const call = await callWithLog(c.path, c.init());
      expect(call.response.status).toBe(c.status);
      await readBody(call.response);
      const event = await onlyEvent(call);
      expect(event).toMatchObject({ status: c.status, error_code: c.code, attempts: c.attempts, prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0 });
      const expected = c.account === null ? null : { customer, noConsent }[c.account].accountId;
      expect(event.account_id).toBe(expected);
    });
  }

  it("sends one event for a successful request that is not a completion", async () => {
    const call = await callWithLog("/admin/v1/accounts/lookup", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "nobody@example.com" }),
    });
    expect(call.response.status).toBe(200);
    const event = await onlyEvent(call);
    expect(event).toMatchObject({ endpoint: "admin", method: "POST", status: 200, error_code: null, model: null, attempts: 0, account_id: null });
  });

  it("marks a stream that fails upstream after it started: status stays 200, the code says what happened", async () => {
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "openai/gpt-4o-mini", stream: true, messages: user('fake:{"drop":"mid"}') }));
    expect(call.response.status).toBe(200);
    await readBody(call.response);
    const event = await onlyEvent(call);
    expect(event).toMatchObject({ status: 200, streamed: true, client_aborted: false, error_code: "upstream_stream_error", attempts: 1 });
  });

  it("sends one event for a client that disconnects mid-stream", async () => {
    const hold = `hold-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const call = await callWithLog(
      "/v1/chat/completions",
      chatInit(customer.key, { model: "openai/gpt-4o-mini", stream: true, messages: user(`fake:{"hold":"${hold}"}`) }, { signal: controller.signal }),
    );
    const reader = call.response.body!.getReader();
    await readUntil(reader, "Hello from");
    controller.abort();
    await reader.cancel().catch(() => {});
    const event = await onlyEvent(call);
    expect(event).toMatchObject({ status: 200, streamed: true, client_aborted: true, error_code: "client_closed_request" });
    expect(event.first_byte_at).not.toBeNull();
    await releaseHold(hold);
  });

  it("sends one event for a client that disconnects while waiting for a non-streamed answer", async () => {
    const controller = new AbortController();
    const pending = callWithLog(
      "/v1/chat/completions",
      chatInit(customer.key, { model: "mistral/mistral-small-latest", messages: user('fake:{"firstByteDelayMs":1000}') }, { signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 200);
    const call = await pending;
    await readBody(call.response).catch(() => "");
    const event = await onlyEvent(call);
    // The request had gone upstream: its prompt estimate is billed, nothing more.
    expect(event).toMatchObject({ streamed: false, client_aborted: true, error_code: "client_closed_request", attempts: 1, completion_tokens: 0, usage_estimated: true });
    expect(event.prompt_tokens).toBeGreaterThan(0);
  });

  it("never puts prompt or response text in the event", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    for (const stream of [false, true]) {
      const call = await callWithLog(
        "/v1/chat/completions",
        chatInit(customer.key, { model: "openai/gpt-4o-mini", stream, messages: [{ role: "system", content: canary }, ...user(`${canary} fake:{"reply":"${canary}","chunks":1}`)] }),
      );
      expect(await readBody(call.response)).toContain(canary);
      const event = await onlyEvent(call);
      expect(JSON.stringify(event)).not.toContain(canary);
    }
  });

  it("keeps the client's user agent printable and bounded, and takes the IP only from Cloudflare's header", async () => {
    // Tabs are legal in a header value but not printable: they are dropped.
    const agent = `agent/1.0 \t\t${"x".repeat(400)}`;
    const call = await callWithLog("/v1/models", { headers: { authorization: `Bearer ${customer.key}`, "user-agent": agent, "cf-connecting-ip": "2001:db8::7" } });
    const event = await onlyEvent(call);
    expect(event.user_agent).toMatch(/^agent\/1\.0 x+$/);
    expect(event.user_agent!.length).toBe(256);
    expect(event.ip).toBe("2001:db8::7");

    const spoofed = await callWithLog("/v1/models", { headers: { authorization: `Bearer ${customer.key}`, "cf-connecting-ip": "not an ip <script>" } });
    expect((await onlyEvent(spoofed)).ip).toBeNull();
  });
});

describe("sending to the queue", () => {
  it("retries a failed send and delivers the event once", async () => {
    const queue = new CapturingQueue((n) => (n < 3 ? "fail" : "ok"));
    const call = await callWithLog("/v1/models", { headers: { authorization: `Bearer ${customer.key}` } }, queue);
    expect(call.response.status).toBe(200);
    expect(await call.settled()).toHaveLength(1);
    expect(queue.attempts).toBe(3);
  });

  it("gives up after a bounded number of attempts without touching the response", async () => {
    const queue = new CapturingQueue(() => "fail");
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "openai/gpt-4o-mini", messages: user("hi") }), queue);
    expect(call.response.status).toBe(200);
    expect(((await call.response.json()) as { object: string }).object).toBe("chat.completion");
    expect(await call.settled()).toEqual([]);
    expect(queue.attempts).toBe(3);
  });

  it("answers at once even when the queue never answers", async () => {
    const queue = new CapturingQueue(() => "hang");
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "openai/gpt-4o-mini", stream: true, messages: user("hi") }), queue);
    // The send never answers, so a response that waited for it would never end:
    // reaching the end of the body is the proof, whatever the machine's load.
    expect(await readBody(call.response)).toContain("[DONE]");
    expect(queue.events).toEqual([]);
  });

  it("stamps a call's end when its relay settled, not when the work after it (an abandoned stream's token count) finished", async () => {
    const model = findModel("openai/gpt-4o-mini")!;
    let endedAt = 0;
    const app = new Hono<AppEnv>()
      .use(requestId())
      .use(requestLog())
      .get("/", (c) => {
        endedAt = Date.now();
        // The outcome resolves only after a slow count, as the first in an isolate is.
        const outcome = new Promise<CallOutcome>((resolve) =>
          setTimeout(() => resolve({ usage: null, result: "client_aborted", firstByteAt: null, endedAt }), 300),
        );
        c.set("call", { model, route: model.routes[0]!, attempts: [], streamed: true, markupBps: 0, outcome });
        return c.text("ok");
      });
    const queue = new CapturingQueue();
    const ctx = createExecutionContext();
    await (await app.fetch(new Request("http://router.test/"), { ...env, LOG_QUEUE: queue }, ctx)).text();
    await waitOnExecutionContext(ctx);
    const [event] = queue.events;
    expect(event!.completed_at).toBe(endedAt);
    expect(event!.latency_ms).toBe(endedAt - event!.received_at);
  });

  it("logs the routing record a call hands over: the answering route, its region and price, every attempt", async () => {
    const model = findModel("openai/gpt-4o-mini")!;
    const route = { ...model.routes[0]!, endpoint: "openai-eu", upstreamModel: "gpt-4o-mini-eu", region: "eu" as const, pricing: { prompt: 1, completion: 2 } };
    const app = new Hono<AppEnv>()
      .use(requestId())
      .use(requestLog())
      .get("/v1/chat/completions", (c) => {
        const usage = { promptTokens: 1_000, completionTokens: 1_000, cachedTokens: 0, reasoningTokens: 0 };
        c.set("call", {
          model,
          route,
          attempts: [
            { route: "openai", model: model.id, upstreamModel: model.routes[0]!.upstreamModel, code: "upstream_unavailable", status: 503, latencyMs: 12 },
            { route: "openai-eu", model: model.id, upstreamModel: "gpt-4o-mini-eu", code: "ok", status: 200, latencyMs: 34 },
          ],
          streamed: false,
          markupBps: 0,
          outcome: Promise.resolve({ usage, result: "completed", firstByteAt: Date.now() }),
        });
        return c.text("ok");
      });
    const queue = new CapturingQueue();
    const ctx = createExecutionContext();
    await (await app.fetch(new Request("http://router.test/v1/chat/completions"), { ...env, LOG_QUEUE: queue }, ctx)).text();
    await waitOnExecutionContext(ctx);
    const [event] = queue.events;
    expect(logEventSchema.safeParse(event).success).toBe(true);
    // 1,000 × 1 + 1,000 × 2 USD per million tokens: the route's price, not the catalogue entry's.
    expect(event).toMatchObject({ model: model.id, provider: "openai", upstream_model: "gpt-4o-mini-eu", route: "openai-eu", data_region: "eu", attempts: 2, cost_nano_usd: 3_000_000 });
    expect(event!.attempt_log!.map((a) => [a.route, a.code, a.status, a.latency_ms])).toEqual([
      ["openai", "upstream_unavailable", 503, 12],
      ["openai-eu", "ok", 200, 34],
    ]);
  });

  it("cuts off a send that never answers after its timeout, and stops at the attempt bound", async () => {
    const app = new Hono<AppEnv>()
      .use(requestId())
      .use(requestLog({ send: { attempts: 2, backoffMs: 10, timeoutMs: 50 } }))
      .get("/", (c) => c.text("ok"));
    const queue = new CapturingQueue(() => "hang");
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("http://router.test/"), { ...env, LOG_QUEUE: queue }, ctx);
    expect(await res.text()).toBe("ok");
    // The sends never answer: the waitUntil work ends only because each was cut
    // off at its timeout, and the attempt bound stopped the retries.
    await waitOnExecutionContext(ctx);
    expect(queue.attempts).toBe(2);
  });
});
