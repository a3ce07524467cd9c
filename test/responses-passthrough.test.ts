/**
 * The native Responses API passthrough against the fake's OpenAI endpoints:
 * what goes upstream (the route's model, store false, no routing fields, the
 * router's credential), what the client gets (the answer as sent, the stream
 * event by event), the usage read on the way, and failures mapped as the
 * chat adapter maps them, with a stream cut short billed for its text.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chatCompletionRequestSchema } from "../src/providers/chat-schema";
import { ENDPOINTS, endpointConfig } from "../src/providers/endpoints";
import { openai } from "../src/providers/openai";
import { responsesPassthrough, type ResponsesPassthroughCall } from "../src/providers/openai-compatible/responses-passthrough";
import { responsesStreamTranslator } from "../src/providers/openai-compatible/responses-stream";
import { streamingResult } from "../src/providers/relay";
import { encodeSse, SSE_HEADERS, SseParser, type SseEvent } from "../src/providers/sse";
import type { Route, WireFormat } from "../src/providers/types";
import type { ApiError } from "../src/shared/errors";
import { releaseHold, tag, upstreamRequests } from "./helpers/router";
import { upstreamSawAbort } from "./helpers/upstream-abort";

const route: Route = { endpoint: "openai", upstreamModel: "gpt-4o-mini", region: "us", pricing: { prompt: 0.15, completion: 0.6 }, contextLength: 128_000, maxOutputTokens: 16_384 };
const passthrough = responsesPassthrough("openai")!;

function responsesCall(request: Record<string, unknown>, options: { endpoint?: "openai" | "openai-eu"; clientSignal?: AbortSignal; idleTimeoutMs?: number } = {}): ResponsesPassthroughCall {
  const endpoint = options.endpoint ?? "openai";
  const config = endpointConfig(ENDPOINTS[endpoint], { ...env, OPENAI_EU_API_KEY: "sk-router-openai-eu" } as Env, route, 2_000)!;
  return { request, stream: request.stream === true, route, config, label: ENDPOINTS[endpoint].label, requestId: "req-responses", clientSignal: options.clientSignal ?? new AbortController().signal, idleTimeoutMs: options.idleTimeoutMs };
}

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (err: ApiError) => err);

/** An SSE body's events, each with its data parsed. */
async function events(res: Response): Promise<(SseEvent & { json: Record<string, unknown> })[]> {
  const parser = new SseParser();
  return [...parser.push(new Uint8Array(await res.arrayBuffer())), ...parser.end()].map((e) => ({ ...e, json: JSON.parse(e.data) as Record<string, unknown> }));
}

describe("the upstream request", () => {
  it("is the client's request at {base}/responses with the route's model, store false, no routing fields, the router's credential", async () => {
    const marker = tag();
    const request = { model: "openai/gpt-4o-mini", input: [{ role: "user", content: `hi ${marker}` }], instructions: "Be brief.", store: true, temperature: 0.5, include: ["reasoning.encrypted_content"], metadata: { k: "v" }, provider: { order: ["openai"] }, models: ["openai/gpt-4.1"] };
    await (await passthrough(responsesCall(request))).response.text();
    const [sent] = await upstreamRequests(marker);
    expect(sent!.path).toBe("/openai/v1/responses");
    expect(sent!.headers.authorization).toBe("Bearer sk-router-openai-credential");
    expect(sent!.headers["x-client-request-id"]).toBe("req-responses");
    const { provider: _p, models: _m, ...rest } = request;
    expect(sent!.body).toEqual({ ...rest, model: "gpt-4o-mini", store: false });
  });

  it("goes to OpenAI's EU endpoint on an openai-eu route", async () => {
    const marker = tag();
    await (await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: marker }, { endpoint: "openai-eu" }))).response.text();
    const [sent] = await upstreamRequests(marker);
    expect(sent!.path).toBe("/openai-eu/v1/responses");
    expect(sent!.headers.authorization).toBe("Bearer sk-router-openai-eu");
  });

  it("is made only for OpenAI's wire format: every other route gets null (its request is translated)", () => {
    const others: WireFormat[] = ["mistral", "anthropic", "gemini", "azure-openai", "vertex"];
    expect(others.map((wire) => responsesPassthrough(wire))).toEqual(others.map(() => null));
  });
});

describe("a non-streamed answer", () => {
  it("reaches the client as the provider sent it, its usage (cached and reasoning tokens) read", async () => {
    const marker = tag();
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `hi ${marker} fake:{"cachedTokens":5}`, reasoning: { effort: "low", summary: "auto" }, include: ["reasoning.encrypted_content"] }));
    const body = (await result.response.json()) as { object: string; model: string; store: boolean; output: { type: string; encrypted_content?: string }[]; usage: { input_tokens: number } };
    // As the chat path does: the provider's model name, not the catalogue id.
    expect(body).toMatchObject({ object: "response", model: "gpt-4o-mini", store: false, status: "completed" });
    expect(body.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(body.output[0]!.encrypted_content).toMatch(/^gAAAAA/);
    const outcome = await result.outcome;
    expect(outcome).toMatchObject({ result: "completed", usage: { promptTokens: body.usage.input_tokens, cachedTokens: 5, reasoningTokens: 12, completionTokens: 8 + 12 } });
  });
});

describe("a streamed answer", () => {
  it("is relayed event by event: names, order and sequence numbers as sent, usage from response.completed", async () => {
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `hi ${tag()}`, stream: true }));
    expect(result.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const relayed = await events(result.response);
    expect(relayed.map((e) => e.event)).toEqual([
      "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
      "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ]);
    expect(relayed.map((e) => e.json.type)).toEqual(relayed.map((e) => e.event));
    expect(relayed.map((e) => e.json.sequence_number)).toEqual(relayed.map((_, i) => i));
    expect(relayed.map((e) => (e.json.response as { model?: string } | undefined)?.model).filter(Boolean)).toEqual(["gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini"]);
    const completed = relayed.at(-1)!.json.response as { usage: { input_tokens: number; output_tokens: number } };
    expect(await result.outcome).toMatchObject({ result: "completed", usage: { promptTokens: completed.usage.input_tokens, completionTokens: completed.usage.output_tokens } });
  });

  it("carries function calls and reasoning summaries through", async () => {
    const request = { model: "openai/gpt-4o-mini", input: `weather? ${tag()}`, stream: true, reasoning: { summary: "auto" }, tools: [{ type: "function", name: "get_weather", parameters: { type: "object" } }] };
    const relayed = await events((await passthrough(responsesCall(request))).response);
    const types = relayed.map((e) => e.event);
    expect(types).toContain("response.reasoning_summary_text.delta");
    expect(types.slice(types.lastIndexOf("response.output_item.added"))).toEqual(["response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done", "response.completed"]);
    expect((relayed.at(-1)!.json.response as { output: { type: string; name?: string }[] }).output).toMatchObject([{ type: "reasoning" }, { type: "function_call", name: "get_weather" }]);
  });

  it("cut short by max_output_tokens ends with response.incomplete: a completed call, its usage read", async () => {
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `hi ${tag()}`, stream: true, max_output_tokens: 2 }));
    const relayed = await events(result.response);
    expect(relayed.at(-1)!.event).toBe("response.incomplete");
    expect(await result.outcome).toMatchObject({ result: "completed", usage: { completionTokens: 2 } });
  });
});

describe("upstream errors", () => {
  /** What the chat adapter throws for the same upstream answer. */
  const chatError = (directive: string) => rejection(openai.chat({ ...responsesCall({}), request: chatCompletionRequestSchema.parse({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: directive }] }) }));

  it.each([
    ['fake:{"status":429,"retryAfter":7}', 429, "upstream_rate_limited"],
    ['fake:{"status":500}', 502, "upstream_error"],
    ['fake:{"status":401}', 502, "upstream_auth_error"],
    ['fake:{"status":404}', 502, "upstream_model_not_found"],
    ['fake:{"status":400}', 400, "upstream_invalid_request"],
  ])("%s maps as chat maps it", async (directive, status, code) => {
    const err = await rejection(passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `${tag()} ${directive}`, stream: true })));
    expect(err).toMatchObject({ status, code });
    const chat = await chatError(`${tag()} ${directive}`);
    expect({ status: chat?.status, code: chat?.code, headers: chat?.headers }).toEqual({ status: err!.status, code: err!.code, headers: err!.headers });
  });

  it("an error event before any content fails the call itself (the router may try another route)", async () => {
    const err = await rejection(passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `${tag()} fake:{"streamError":"first"}`, stream: true })));
    expect(err).toMatchObject({ status: 502, code: "upstream_error" });
  });

  it("an error event mid-stream is relayed as the provider's last event; the call failed upstream, billed for its text", async () => {
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `${tag()} fake:{"streamError":"mid"}`, stream: true }));
    const relayed = await events(result.response);
    expect(relayed.slice(-2).map((e) => e.event)).toEqual(["response.output_text.delta", "error"]);
    expect(relayed.at(-1)!.json).toMatchObject({ type: "error", code: "server_error", sequence_number: relayed.length - 1 });
    expect(await result.outcome).toMatchObject({ result: "upstream_error", usage: null, generated: "Hello from" });
  });

  it("a dropped connection mid-stream ends with the router's error event, numbered after the last relayed", async () => {
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `${tag()} fake:{"drop":"mid"}`, stream: true }));
    const relayed = await events(result.response);
    const [last, before] = [relayed.at(-1)!, relayed.at(-2)!];
    expect(last.event).toBe("error");
    expect(last.json).toEqual({ type: "error", sequence_number: (before.json.sequence_number as number) + 1, error: { type: "upstream_error", code: "upstream_stream_interrupted", message: expect.any(String), param: null } });
    expect(await result.outcome).toMatchObject({ result: "upstream_error", generated: "Hello from" });
  });

  it("an upstream silent past the idle timeout mid-stream ends with the router's timeout event", async () => {
    const hold = tag();
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `${tag()} fake:{"hold":"${hold}"}`, stream: true }, { idleTimeoutMs: 300 }));
    const relayed = await events(result.response);
    await releaseHold(hold);
    expect(relayed.at(-1)!.json).toMatchObject({ type: "error", error: { code: "upstream_stream_timeout" } });
    expect(await result.outcome).toMatchObject({ result: "upstream_error", generated: "Hello from" });
  });
});

describe("a client that leaves mid-stream", () => {
  it("cancels the upstream request and is billed for the text generated so far", async () => {
    const marker = tag();
    const controller = new AbortController();
    const result = await passthrough(responsesCall({ model: "openai/gpt-4o-mini", input: `${marker} fake:{"hold":"${tag()}"}`, stream: true }, { clientSignal: controller.signal }));
    const reader = result.response.body!.getReader();
    // The held preamble and the first delta arrive together, at commit.
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: response.output_text.delta");
    controller.abort();
    expect(await upstreamSawAbort(marker)).toBe(true);
    // The text generated so far is what the router bills an abandoned stream for (abandoned-usage.ts, tested in abandoned-usage.test.ts).
    expect(await result.outcome).toMatchObject({ result: "client_aborted", usage: null, generated: "Hello from" });
  });
});

describe("the upstream's failure events as OpenAI sends them", () => {
  /** A stream of the given events, each named as its type, numbered, and read on its own. */
  const upstream = (...events: Record<string, unknown>[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        events.forEach((e, i) => controller.enqueue(encodeSse([{ event: e.type as string, data: JSON.stringify({ ...e, sequence_number: i }) }])));
        controller.close();
      },
    });
  const relay = (body: ReadableStream<Uint8Array>) => streamingResult(body, responsesStreamTranslator("OpenAI"), { clientSignal: new AbortController().signal }, SSE_HEADERS);
  const created = { type: "response.created", response: { id: "resp_1", object: "response", status: "in_progress" } };
  const delta = { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "Hi" };

  it("an error event with its error nested, before content: the route's failure, a busy one retryable (503)", async () => {
    const err = await rejection(relay(upstream(created, { type: "error", error: { type: "tokens", code: "rate_limit_exceeded", message: "Slow down.", param: null } })));
    expect(err).toMatchObject({ status: 503, code: "upstream_unavailable" });
  });

  it("response.failed after content: relayed as the last event, its usage read, the text counted", async () => {
    const usage = { input_tokens: 11, output_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 };
    const failed = { type: "response.failed", response: { id: "resp_1", object: "response", status: "failed", error: { code: "server_error", message: "Oops." }, usage } };
    const result = await relay(upstream(created, delta, failed, { type: "response.completed", response: { id: "resp_1", object: "response" } }));
    expect((await events(result.response)).map((e) => e.event)).toEqual(["response.created", "response.output_text.delta", "response.failed"]);
    expect(await result.outcome).toMatchObject({ result: "upstream_error", usage: { promptTokens: 11, completionTokens: 3 }, generated: "Hi" });
  });
});
