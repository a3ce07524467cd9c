/**
 * Upstream stream failures through the router, driven by the fake upstream:
 * before content they are the call's error (a plain error response, no
 * stream, so a caller may try elsewhere); after content the client keeps its
 * one answer, gets an error event in its format and no [DONE], and the log
 * says failed with the tokens generated.
 */
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import type { LogEvent } from "../src/shared/log-event";
import { callWithLog, chatInit, readBody, type LoggedCall } from "./helpers/log-capture";
import { newCustomer, releaseHold, tag, upstreamRequests } from "./helpers/router";
import { preloadTokenizer } from "./helpers/tokenizer";

preloadTokenizer();

const REPLY = "Hello from the fake upstream.";
/** The fake splits the reply into 3 chunks: the first is what a client sees before a "mid" failure. */
const FIRST_CHUNK = REPLY.slice(0, Math.ceil(REPLY.length / 3));

type Route = "/v1/chat/completions" | "/v1/messages";

async function streamCall(route: Route, model: string, prompt: string, vars: Partial<Env> = {}): Promise<LoggedCall> {
  const customer = await newCustomer();
  const body = { model, stream: true, max_tokens: 64, messages: [{ role: "user", content: prompt }] };
  const init =
    route === "/v1/chat/completions"
      ? chatInit(customer.key, body)
      : { method: "POST", headers: { "x-api-key": customer.key, "anthropic-version": "2023-06-01", "content-type": "application/json" }, body: JSON.stringify(body) };
  return callWithLog(route, init, undefined, vars);
}

/** SSE blocks of a body: [event name or undefined, data]. */
function blocks(text: string): [string | undefined, string][] {
  return text
    .split("\n\n")
    .filter((b) => b.includes("data: "))
    .map((b) => [/^event: (.*)$/m.exec(b)?.[1], b.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")]);
}

async function onlyEvent(call: LoggedCall): Promise<LogEvent> {
  const events = await call.settled();
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe("an upstream error event before any content", () => {
  const cases: { name: string; route: Route; model: string; status: number; code: string }[] = [
    { name: "OpenAI (data: {error}, then [DONE])", route: "/v1/chat/completions", model: "openai/gpt-4o-mini", status: 502, code: "upstream_error" },
    { name: "Mistral", route: "/v1/chat/completions", model: "mistral/mistral-small-latest", status: 502, code: "upstream_error" },
    { name: "Anthropic overloaded_error, translated", route: "/v1/chat/completions", model: "anthropic/claude-sonnet-5-5", status: 503, code: "upstream_unavailable" },
    { name: "Gemini (bare JSON error body: the stream ends without content)", route: "/v1/chat/completions", model: "google/gemini-3.8-flash", status: 502, code: "upstream_stream_incomplete" },
  ];
  for (const c of cases) {
    it(`${c.name}: a ${c.status} ${c.code} error response, not a stream, logged as that error`, async () => {
      const call = await streamCall(c.route, c.model, 'fake:{"streamError":"first"}');
      expect(call.response.status).toBe(c.status);
      expect(call.response.headers.get("content-type")).toContain("application/json");
      expect(await call.response.json()).toMatchObject({ error: { code: c.code } });
      if (c.status === 503) expect(call.response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await onlyEvent(call)).toMatchObject({ status: c.status, error_code: c.code, streamed: true, completion_tokens: 0 });
    });
  }

  it("/v1/messages passed through to Anthropic: a 503 in Anthropic's shape", async () => {
    const call = await streamCall("/v1/messages", "anthropic/claude-sonnet-5-5", 'fake:{"streamError":"first"}');
    expect(call.response.status).toBe(503);
    expect(await call.response.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    expect(await onlyEvent(call)).toMatchObject({ status: 503, error_code: "upstream_unavailable" });
  });
});

describe("fallback on a failure inside a 200 stream, before content", () => {
  it("an error event on the EU route: the global route answers, one answer, both endpoints contacted", async () => {
    const marker = tag();
    const customer = await newCustomer();
    const body = { model: "mistral/mistral-small-latest", stream: true, messages: [{ role: "user", content: `${marker} fake:{"route":"mistral","streamError":"first"}` }] };
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, body));
    expect(call.response.status).toBe(200);
    expect(call.response.headers.get("x-emby-route")).toBe("mistral-global");
    const data = blocks(await readBody(call.response)).map(([, d]) => d);
    expect(data.at(-1)).toBe("[DONE]");
    expect(data.some((d) => d.includes('"error"'))).toBe(false);
    expect(data.filter((d) => d.includes('"role":"assistant"'))).toHaveLength(1);
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral", "mistral-global"]);
    expect(await onlyEvent(call)).toMatchObject({ status: 200, error_code: null });
  });
});

describe("an upstream error event after the first content", () => {
  it("OpenAI format: one answer, an error event, no [DONE]; logged failed with the tokens generated", async () => {
    const call = await streamCall("/v1/chat/completions", "openai/gpt-4o-mini", 'fake:{"streamError":"mid"}');
    expect(call.response.status).toBe(200);
    const data = blocks(await readBody(call.response)).map(([, d]) => d);
    expect(data).not.toContain("[DONE]");
    const chunks = data.map((d) => JSON.parse(d) as { choices?: { delta: { role?: string; content?: string } }[]; error?: { code: string } });
    expect(chunks.filter((c) => c.choices?.[0]?.delta.role === "assistant")).toHaveLength(1);
    expect(chunks.map((c) => c.choices?.[0]?.delta.content ?? "").join("")).toBe(FIRST_CHUNK);
    expect(chunks.filter((c) => c.error)).toHaveLength(1);
    expect(chunks.at(-1)!.error!.code).toBe("upstream_error");
    const event = await onlyEvent(call);
    expect(event).toMatchObject({ status: 200, error_code: "upstream_stream_error", client_aborted: false, usage_estimated: true });
    expect(event.completion_tokens).toBe(countTokens(FIRST_CHUNK));
    expect(event.prompt_tokens).toBeGreaterThan(0);
    expect(event.cost_nano_usd).toBeGreaterThan(0);
  });

  it("/v1/messages (Anthropic passed through): Anthropic's error event last, no message_stop; logged failed with the tokens generated", async () => {
    const call = await streamCall("/v1/messages", "anthropic/claude-sonnet-5-5", 'fake:{"streamError":"mid"}');
    expect(call.response.status).toBe(200);
    const events = blocks(await readBody(call.response));
    expect(events.filter(([name]) => name === "message_start")).toHaveLength(1);
    expect(events.map(([name]) => name)).not.toContain("message_stop");
    expect(events.at(-1)).toEqual(["error", JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })]);
    const event = await onlyEvent(call);
    expect(event).toMatchObject({ status: 200, error_code: "upstream_stream_error", usage_estimated: true });
    // ~4 characters per token for Claude; message_start reported only 1 output token.
    expect(event.completion_tokens).toBe(Math.ceil(FIRST_CHUNK.length / 4));
  });

  it("/v1/messages on a Mistral model (re-shaped): an Anthropic error event last; logged failed", async () => {
    const call = await streamCall("/v1/messages", "mistral/mistral-small-latest", 'fake:{"streamError":"mid"}');
    const events = blocks(await readBody(call.response));
    expect(events.at(-1)?.[0]).toBe("error");
    expect(events.map(([name]) => name)).not.toContain("message_stop");
    expect(await onlyEvent(call)).toMatchObject({ status: 200, error_code: "upstream_stream_error", usage_estimated: true });
  });
});

describe("the idle timeout between stream reads (STREAM_IDLE_TIMEOUT_MS)", () => {
  it("a stall before the first content: 504 upstream_stream_timeout, the upstream cancelled", async () => {
    const marker = tag();
    const call = await streamCall("/v1/chat/completions", "openai/gpt-4o-mini", `${marker} fake:{"chunkDelayMs":3000}`, { STREAM_IDLE_TIMEOUT_MS: "200" });
    expect(call.response.status).toBe(504);
    expect(await call.response.json()).toMatchObject({ error: { code: "upstream_stream_timeout", type: "timeout_error" } });
    expect(await onlyEvent(call)).toMatchObject({ status: 504, error_code: "upstream_stream_timeout" });
    const [seen] = await upstreamRequests(marker);
    expect(seen!.aborted).toBe(true);
  });

  for (const route of ["/v1/chat/completions", "/v1/messages"] as const) {
    it(`${route}: a stall after content ends the stream with a timeout error event, no [DONE], logged failed with the tokens generated`, async () => {
      const hold = `hold-${crypto.randomUUID()}`;
      const model = route === "/v1/messages" ? "anthropic/claude-sonnet-5-5" : "openai/gpt-4o-mini";
      const call = await streamCall(route, model, `fake:{"hold":"${hold}"}`, { STREAM_IDLE_TIMEOUT_MS: "300" });
      expect(call.response.status).toBe(200);
      const text = await readBody(call.response);
      await releaseHold(hold);
      const last = blocks(text).at(-1)!;
      expect(text).not.toContain("[DONE]");
      if (route === "/v1/messages") {
        expect(last[0]).toBe("error");
        expect(JSON.parse(last[1])).toMatchObject({ type: "error", error: { message: expect.stringContaining("sent nothing") } });
      } else expect(JSON.parse(last[1])).toMatchObject({ error: { code: "upstream_stream_timeout" } });
      const event = await onlyEvent(call);
      expect(event).toMatchObject({ status: 200, error_code: "upstream_stream_error", usage_estimated: true });
      expect(event.completion_tokens).toBeGreaterThan(0);
    });
  }
});

describe("the commit deadline: content within the first-byte timeout (UPSTREAM_TIMEOUT_MS), keep-alives or not", () => {
  it("/v1/messages passed through to Anthropic, which only sends pings: 504 upstream_stream_timeout in Anthropic's shape, the upstream cancelled", async () => {
    const marker = tag();
    const call = await streamCall("/v1/messages", "anthropic/claude-sonnet-5-5", `${marker} fake:{"pingOnlyMs":50}`, { UPSTREAM_TIMEOUT_MS: "600" });
    expect(call.response.status).toBe(504);
    expect(await call.response.json()).toMatchObject({ type: "error", error: { type: "timeout_error", message: expect.stringContaining("no content") } });
    expect(await onlyEvent(call)).toMatchObject({ status: 504, error_code: "upstream_stream_timeout" });
    const [seen] = await upstreamRequests(marker);
    expect(seen!.aborted).toBe(true);
  });
});
