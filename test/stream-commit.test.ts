/**
 * The commit point of a provider's stream, on the relay itself with an
 * upstream the test feeds by hand: the result resolves only once content has
 * been produced (the preamble is held and sent with it); a failure before that
 * rejects with the router's error and cancels the upstream; the idle timeout
 * applies before and after commit, the commit deadline before; an upstream
 * error after commit ends the stream at once.
 */
import { describe, expect, it } from "vitest";
import { anthropicToOpenAIStream } from "../src/providers/anthropic/stream";
import { geminiStreamTranslator } from "../src/providers/google/stream";
import { openAIStreamTranslator } from "../src/providers/openai-compatible/stream";
import { streamingResult } from "../src/providers/relay";
import type { CommittingTranslator } from "../src/providers/sse-translator";
import { SSE_HEADERS } from "../src/providers/sse";
import type { CallOutcome, ChatResult } from "../src/providers/types";
import { ApiError } from "../src/shared/errors";

const enc = new TextEncoder();

/** An upstream body the test writes to, which records whether the relay cancelled it. */
function upstream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => void (state.cancelled = true),
  });
  return {
    stream,
    state,
    send: (text: string) => controller.enqueue(enc.encode(text)),
    /** Keeps sending keep-alives every `ms` until stopped or cancelled. */
    ping: (ms: number, text = ": keep-alive\n\n") => {
      const timer = setInterval(() => {
        if (state.cancelled) return clearInterval(timer);
        controller.enqueue(enc.encode(text));
      }, ms);
      return () => clearInterval(timer);
    },
    close: () => controller.close(),
    drop: () => controller.error(new Error("connection reset")),
  };
}

const openai = () => openAIStreamTranslator({ label: "OpenAI", clientWantsUsage: false, usageMode: "usage-chunk" });
const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const ROLE = chunk({ role: "assistant", content: "" });

function start(translator: CommittingTranslator, idleTimeoutMs = 30_000, signal = new AbortController().signal, commitBy?: number) {
  const up = upstream();
  const state = { settled: false };
  const result = streamingResult(up.stream, translator, { clientSignal: signal, idleTimeoutMs, commitBy }, SSE_HEADERS);
  result.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return { up, result, state };
}

/** Lets the relay run: several turns of the event loop. */
const turns = () => new Promise((resolve) => setTimeout(resolve, 30));

async function rejection(result: Promise<ChatResult>): Promise<ApiError> {
  const err = await result.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

async function readAll(result: ChatResult): Promise<{ reads: string[]; outcome: CallOutcome }> {
  const reader = result.response.body!.getReader();
  const decoder = new TextDecoder();
  const reads: string[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) reads.push(decoder.decode(r.value));
  return { reads, outcome: await result.outcome };
}

const dataOf = (text: string) => text.split("\n\n").filter((b) => b.startsWith("data: ")).map((b) => b.slice(6));

describe("a stream resolves only once it has produced content", () => {
  it("holds the role-only chunk and keep-alives, then sends them with the first content in one piece", async () => {
    const { up, result, state } = start(openai());
    up.send(ROLE);
    up.send(": keep-alive\n\n");
    await turns();
    expect(state.settled).toBe(false);
    up.send(chunk({ content: "Hel" }));
    const res = await result;
    expect(res.response.status).toBe(200);
    const reader = res.response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(dataOf(first).map((d) => JSON.parse(d).choices[0].delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hel" }]);
    // After commit, each upstream read goes out as it comes.
    up.send(chunk({ content: "lo" }));
    expect(dataOf(new TextDecoder().decode((await reader.read()).value))).toHaveLength(1);
    up.send(chunk({}, "stop") + "data: [DONE]\n\n");
    up.close();
    await reader.cancel();
  });

  it("holds Anthropic's message_start and ping until the first delta", async () => {
    const { up, result, state } = start(anthropicToOpenAIStream({ clientWantsUsage: false }));
    up.send(`event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "msg_1", model: "claude", usage: { input_tokens: 5, output_tokens: 1 } } })}\n\n`);
    up.send(`event: ping\ndata: {"type":"ping"}\n\n`);
    up.send(`event: content_block_start\ndata: ${JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })}\n\n`);
    await turns();
    expect(state.settled).toBe(false);
    up.send(`event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } })}\n\n`);
    const res = await result;
    const first = new TextDecoder().decode((await res.response.body!.getReader().read()).value);
    expect(dataOf(first).map((d) => JSON.parse(d).choices[0].delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hi" }]);
  });

  it("a tool call or a bare finish commits too", async () => {
    const tool = start(openai());
    tool.up.send(ROLE + chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }] }));
    expect((await tool.result).response.status).toBe(200);
    const finish = start(openai());
    finish.up.send(ROLE + chunk({}, "stop"));
    expect((await finish.result).response.status).toBe(200);
  });
});

describe("a failure before content rejects the call and cancels the upstream", () => {
  it("an OpenAI error event: 502 upstream_error; a rate-limit one: 503 upstream_unavailable with Retry-After", async () => {
    const failed = start(openai());
    failed.up.send(ROLE + `data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\ndata: [DONE]\n\n`);
    expect(await rejection(failed.result)).toMatchObject({ status: 502, code: "upstream_error" });
    expect(failed.up.state.cancelled).toBe(true);

    const limited = start(openai());
    limited.up.send(`data: {"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}\n\n`);
    const err = await rejection(limited.result);
    expect(err).toMatchObject({ status: 503, code: "upstream_unavailable" });
    expect(err.headers["retry-after"]).toBe("10");
  });

  it("Anthropic's overloaded_error: 503 upstream_unavailable", async () => {
    const { up, result } = start(anthropicToOpenAIStream({ clientWantsUsage: false }));
    up.send(`event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "msg_1", usage: { input_tokens: 5 } } })}\n\n`);
    up.send(`event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`);
    expect(await rejection(result)).toMatchObject({ status: 503, code: "upstream_unavailable", message: expect.stringContaining("overloaded_error") });
    expect(up.state.cancelled).toBe(true);
  });

  it("a Gemini error in a data event: classified by its status, RetryInfo as the Retry-After", async () => {
    const translator = geminiStreamTranslator({ clientWantsUsage: false, created: 0, model: "gemini", newToolCallId: () => "call_1" });
    const { up, result } = start(translator);
    const details = [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "27s" }];
    up.send(`data: ${JSON.stringify({ error: { code: 429, message: "Resource exhausted", status: "RESOURCE_EXHAUSTED", details } })}\r\n\r\n`);
    const err = await rejection(result);
    expect(err).toMatchObject({ status: 503, code: "upstream_unavailable" });
    expect(err.headers["retry-after"]).toBe("27");
  });

  it("a drop: 502 upstream_stream_interrupted; an end: 502 upstream_stream_incomplete", async () => {
    const dropped = start(openai());
    dropped.up.send(ROLE);
    await turns();
    dropped.up.drop();
    expect(await rejection(dropped.result)).toMatchObject({ status: 502, code: "upstream_stream_interrupted" });

    const ended = start(openai());
    ended.up.send(ROLE);
    ended.up.close();
    expect(await rejection(ended.result)).toMatchObject({ status: 502, code: "upstream_stream_incomplete" });
  });

  it("a stall past the idle timeout: 504 upstream_stream_timeout", async () => {
    const { up, result } = start(openai(), 100);
    up.send(ROLE);
    expect(await rejection(result)).toMatchObject({ status: 504, code: "upstream_stream_timeout" });
    expect(up.state.cancelled).toBe(true);
  });

  it("keep-alives are reads: they hold off the idle timeout", async () => {
    const { up, result, state } = start(openai(), 400);
    up.send(ROLE);
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      up.send(": keep-alive\n\n");
    }
    expect(state.settled).toBe(false);
    up.send(chunk({ content: "late" }));
    expect((await result).response.status).toBe(200);
  });

  it("keep-alives do not hold off the commit deadline: 504 upstream_stream_timeout, upstream cancelled", async () => {
    const { up, result } = start(openai(), 200, undefined, Date.now() + 500);
    up.send(ROLE);
    const stopPings = up.ping(50);
    const err = await rejection(result);
    stopPings();
    expect(err).toMatchObject({ status: 504, code: "upstream_stream_timeout" });
    expect(up.state.cancelled).toBe(true);
  });

  it("Anthropic pings neither: 504 upstream_stream_timeout", async () => {
    const { up, result } = start(anthropicToOpenAIStream({ clientWantsUsage: false }), 200, undefined, Date.now() + 500);
    up.send(`event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "msg_1", usage: { input_tokens: 5 } } })}\n\n`);
    const stopPings = up.ping(50, `event: ping\ndata: {"type":"ping"}\n\n`);
    const err = await rejection(result);
    stopPings();
    expect(err).toMatchObject({ status: 504, code: "upstream_stream_timeout" });
    expect(up.state.cancelled).toBe(true);
  });

  it("the commit deadline is cleared at commit: a stream that committed in time outlives it", async () => {
    const { up, result } = start(openai(), 30_000, undefined, Date.now() + 150);
    up.send(ROLE + chunk({ content: "Hel" }));
    const res = await result;
    await new Promise((resolve) => setTimeout(resolve, 300));
    up.send(chunk({ content: "lo" }) + chunk({}, "stop") + "data: [DONE]\n\n");
    up.close();
    const { reads, outcome } = await readAll(res);
    expect(reads.flatMap(dataOf)).toContain("[DONE]");
    expect(outcome.result).toBe("completed");
    expect(up.state.cancelled).toBe(false);
  });

  it("the client leaving: 499, upstream cancelled", async () => {
    const client = new AbortController();
    const { up, result } = start(openai(), 30_000, client.signal);
    up.send(ROLE);
    await turns();
    client.abort();
    expect(await rejection(result)).toMatchObject({ status: 499, code: "client_closed_request" });
    expect(up.state.cancelled).toBe(true);
  });
});

describe("after commit", () => {
  it("a stall ends the stream with an upstream_stream_timeout event, no [DONE], failed with the text generated", async () => {
    const { up, result } = start(openai(), 150);
    up.send(ROLE + chunk({ content: "Hello" }));
    const { reads, outcome } = await readAll(await result);
    const data = reads.flatMap(dataOf);
    expect(data).not.toContain("[DONE]");
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: "upstream_stream_timeout" } });
    expect(outcome).toMatchObject({ result: "upstream_error", generated: "Hello" });
    expect(up.state.cancelled).toBe(true);
  });

  it("a stall after the commit deadline has passed still ends the stream at the idle timeout (one timer watches both)", async () => {
    const { up, result } = start(openai(), 250, undefined, Date.now() + 100);
    up.send(ROLE + chunk({ content: "Hel" }));
    const res = await result;
    // Past the deadline, reads keep the stream alive: the deadline no longer applies.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      up.send(chunk({ content: "lo" }));
    }
    const { reads, outcome } = await readAll(res);
    const data = reads.flatMap(dataOf);
    expect(data.filter((d) => d.includes('"lo"'))).toHaveLength(3);
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: "upstream_stream_timeout" } });
    expect(outcome).toMatchObject({ result: "upstream_error", generated: "Hellololo" });
    expect(up.state.cancelled).toBe(true);
  });

  it("the upstream's error event ends the stream with one error event and no [DONE], even when the upstream sends one", async () => {
    const { up, result } = start(openai());
    up.send(ROLE + chunk({ content: "Hel" }));
    const res = await result;
    up.send(`data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\ndata: [DONE]\n\n`);
    up.close();
    const { reads, outcome } = await readAll(res);
    const data = reads.flatMap(dataOf);
    expect(data.filter((d) => d.includes('"error"'))).toHaveLength(1);
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: "upstream_error" } });
    expect(data).not.toContain("[DONE]");
    expect(outcome).toMatchObject({ result: "upstream_error", generated: "Hel" });
  });

  it("the upstream's error event ends the stream and settles the outcome at once, though the upstream keeps its connection open", async () => {
    const { up, result } = start(openai());
    up.send(ROLE + chunk({ content: "Hel" }));
    const res = await result;
    up.send(`data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n`);
    const stopPings = up.ping(20);
    const order: string[] = [];
    // The upstream lets go only after a while; the client's stream and the outcome must not wait for it.
    const release = setTimeout(() => {
      order.push("upstream released");
      stopPings();
      if (!up.state.cancelled) up.close();
    }, 1_000);
    const { reads, outcome } = await readAll(res);
    order.push("client stream ended and outcome settled");
    clearTimeout(release);
    stopPings();
    expect(order).toEqual(["client stream ended and outcome settled"]);
    const data = reads.flatMap(dataOf);
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: "upstream_error" } });
    expect(data).not.toContain("[DONE]");
    expect(outcome).toMatchObject({ result: "upstream_error", generated: "Hel" });
    expect(up.state.cancelled).toBe(true);
  });
});
