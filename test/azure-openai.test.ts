/**
 * The Azure OpenAI adapter against the fake's Azure resource: the v1 URL,
 * the `api-key` header, the deployment as the model, and Azure's
 * content-filter quirks brought back to OpenAI's format (what the client
 * receives, chunk by chunk), with usage still counted.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { azureOpenAI } from "../src/providers/azure";
import { azureStreamTranslator } from "../src/providers/azure/stream";
import { chatCompletionRequestSchema } from "../src/providers/chat-schema";
import { ENDPOINTS, endpointConfig } from "../src/providers/endpoints";
import { openAIStreamTranslator } from "../src/providers/openai-compatible/stream";
import type { SseEvent } from "../src/providers/sse";
import type { ProviderCall, Route } from "../src/providers/types";
import type { ApiError } from "../src/shared/errors";
import { tag, upstreamRequests } from "./helpers/router";

const KEY = "azure-test-key";
const route: Route = { endpoint: "azure-eu", upstreamModel: "gpt-4o-mini", region: "eu", pricing: { prompt: 0.165, completion: 0.66 }, contextLength: 128_000, maxOutputTokens: 16_384 };

function azureCall(prompt: string, options: { stream?: boolean; includeUsage?: boolean; idleTimeoutMs?: number; clientSignal?: AbortSignal } = {}): ProviderCall {
  const azureEnv = { ...env, AZURE_OPENAI_EU_API_KEY: KEY, AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o-mini=eu-mini, gpt-4o" } as Env;
  const request = chatCompletionRequestSchema.parse({
    model: "openai/gpt-4o-mini",
    messages: [{ role: "user", content: prompt }],
    ...(options.stream ? { stream: true } : {}),
    ...(options.includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  return { request, route, config: endpointConfig(ENDPOINTS["azure-eu"], azureEnv, route, 2_000)!, label: "Azure OpenAI (EU)", requestId: "req-azure", clientSignal: options.clientSignal ?? new AbortController().signal, idleTimeoutMs: options.idleTimeoutMs };
}

/**
 * The usage the fake reports for its default reply to `prompt`, as the router
 * reads it: fake-upstream/scenario.ts counts a token per 4 characters of the
 * messages' text (role and content, space-joined) and of the reply (29 characters).
 */
const fakeUsage = (prompt: string) => ({ promptTokens: Math.ceil(`user ${prompt}`.length / 4), completionTokens: 8, cachedTokens: 0, reasoningTokens: 0 });

/** The client's stream as parsed JSON chunks, `[DONE]` as the string. */
async function clientChunks(res: Response): Promise<(Record<string, unknown> | "[DONE]")[]> {
  const text = await res.text();
  return [...text.matchAll(/^data: (.*)$/gm)].map(([, data]) => (data === "[DONE]" ? "[DONE]" : (JSON.parse(data!) as Record<string, unknown>)));
}

type Choice = { index: number; delta: Record<string, unknown>; finish_reason: string | null } & Record<string, unknown>;
const choice = (chunk: Record<string, unknown> | "[DONE]") => (chunk === "[DONE]" ? null : ((chunk.choices as Choice[])[0] ?? null));
/** Each chunk in brief: "role", the content, "finish:<reason>", "usage", "error:<code>" or "[DONE]". */
const shape = (chunks: Awaited<ReturnType<typeof clientChunks>>) =>
  chunks.map((c) => {
    if (c === "[DONE]") return c;
    if ("error" in c) return `error:${(c.error as { code: string }).code}`;
    const first = choice(c);
    if (!first) return c.usage ? "usage" : "empty";
    if (first.finish_reason) return `finish:${first.finish_reason}`;
    return typeof first.delta.content === "string" && first.delta.content !== "" ? first.delta.content : "role";
  });

/** Nothing Azure-only reaches the client: no empty ids, no filter annotations. */
function expectOpenAIShape(chunks: Awaited<ReturnType<typeof clientChunks>>) {
  for (const c of chunks) {
    if (c === "[DONE]") continue;
    expect(c.id).toMatch(/^chatcmpl-/);
    expect(c.object).toBe("chat.completion.chunk");
    expect(JSON.stringify(c)).not.toMatch(/filter_results|content_filter_offsets|prompt_annotations/);
  }
}

describe("Azure OpenAI requests", () => {
  it("go to {base}/chat/completions with the key in api-key, no Authorization, and the deployment as the model", async () => {
    const marker = tag();
    await (await azureOpenAI.chat(azureCall(`hello ${marker}`))).response.text();
    await (await azureOpenAI.chat(azureCall(`hello ${marker}`, { stream: true }))).response.text();
    const [plain, streamed] = await upstreamRequests(marker);
    for (const req of [plain!, streamed!]) {
      // The v1 API: no deployment in the path, no api-version (the base URL carries none either).
      expect(req.path).toBe("/azure-eu/openai/v1/chat/completions");
      expect(req.headers["api-key"]).toBe(KEY);
      expect(req.headers.authorization).toBeUndefined();
      expect(req.body.model).toBe("eu-mini");
    }
    expect(plain!.body.stream_options).toBeUndefined();
    // Usage is always asked for on a stream, whether or not the client wants it.
    expect(streamed!.body.stream_options).toEqual({ include_usage: true });
  });
});

describe("an Azure answer as the client receives it", () => {
  it("non-streamed: OpenAI's shape without prompt_filter_results or content_filter_results, usage counted", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()}`));
    const body = (await result.response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("prompt_filter_results");
    expect(body.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Hello from the fake upstream.", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }]);
    expect((await result.outcome).usage).toMatchObject({ completionTokens: 8 });
  });

  it("non-streamed, output blocked: finish_reason content_filter passes on as OpenAI's own", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()} fake:{"contentFilter":"output"}`));
    const body = (await result.response.json()) as { choices: Choice[] };
    expect(body.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: null, refusal: null, annotations: [] }, logprobs: null, finish_reason: "content_filter" });
  });

  it("streamed: the prompt_filter_results chunk is dropped and choices lose their filter results", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()}`, { stream: true }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", " the fake ", "upstream.", "finish:stop", "[DONE]"]);
    expectOpenAIShape(chunks);
    // The usage chunk was asked for and counted, but the client did not ask for it.
    expect((await result.outcome).usage).toMatchObject({ promptTokens: expect.any(Number), completionTokens: 8 });
  });

  it("streamed with include_usage: finish, then usage, then [DONE]", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()}`, { stream: true, includeUsage: true }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", " the fake ", "upstream.", "finish:stop", "usage", "[DONE]"]);
    expectOpenAIShape(chunks);
  });

  it("asynchronous filter: annotation chunks (id \"\"), also after the finish and usage chunks, never reach the client", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()} fake:{"azureFilter":"async"}`, { stream: true, includeUsage: true }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", " the fake ", "upstream.", "finish:stop", "usage", "[DONE]"]);
    expectOpenAIShape(chunks);
    expect((await result.outcome).usage).toMatchObject({ completionTokens: 8 });
  });

  it("output blocked (synchronous filter): the stream ends with finish_reason content_filter, usage counted", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()} fake:{"contentFilter":"output"}`, { stream: true }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", "finish:content_filter", "[DONE]"]);
    expectOpenAIShape(chunks);
    expect((await result.outcome).usage).toMatchObject({ completionTokens: 8 });
  });

  it("output blocked late (asynchronous filter): the verdict on an annotation chunk becomes the stream's finish chunk", async () => {
    const result = await azureOpenAI.chat(azureCall(`hi ${tag()} fake:{"azureFilter":"async","contentFilter":"output"}`, { stream: true, includeUsage: true }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", "finish:content_filter", "usage", "[DONE]"]);
    expectOpenAIShape(chunks);
    const [role, , finish] = chunks as Record<string, unknown>[];
    // Sent as the stream's own chunk: its id and model, an empty delta.
    expect(finish).toMatchObject({ id: role!.id, model: role!.model, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "content_filter" }] });
    expect((await result.outcome).usage).toMatchObject({ completionTokens: 8 });
  });

});

/** The Azure translator as the adapter builds it, the client asking for usage; events in, the client's events out. */
function azureTranslator() {
  const call = azureCall("x", { stream: true, includeUsage: true });
  return azureStreamTranslator(call, openAIStreamTranslator({ label: call.label, clientWantsUsage: true, usageMode: "usage-chunk" }));
}
const chunk = (choice: object, id = "chatcmpl-1") => ({ data: JSON.stringify({ id, object: id ? "chat.completion.chunk" : "", created: id ? 1 : 0, model: id ? "gpt-4o-mini" : "", choices: [choice], usage: null }) });
const verdict = (index: number) => chunk({ index, finish_reason: "content_filter", content_filter_results: { protected_material_text: { detected: true, filtered: true } } }, "");
const finishReasons = (events: { data: string }[]) => events.map((e) => (e.data === "[DONE]" ? e.data : (JSON.parse(e.data) as { choices: Choice[] }).choices[0]!.finish_reason));

describe("the Azure stream's finish", () => {
  it("a late content_filter verdict after a stop finish replaces it: one finish per choice", () => {
    const translator = azureTranslator();
    const out = [
      ...translator.push([chunk({ index: 0, delta: { content: "Hey" }, finish_reason: null }), chunk({ index: 0, delta: {}, finish_reason: "stop" })]),
      ...translator.push([verdict(0), { data: "[DONE]" }]),
    ];
    expect(finishReasons(out)).toEqual([null, "content_filter", "[DONE]"]);
  });

  it("a verdict that comes before its choice's own finish chunk is applied to that chunk: still one finish", () => {
    const translator = azureTranslator();
    const out = [
      ...translator.push([chunk({ index: 0, delta: { content: "Hey" }, finish_reason: null }), verdict(0)]),
      ...translator.push([chunk({ index: 0, delta: {}, finish_reason: "stop" }), { data: "[DONE]" }]),
    ];
    expect(finishReasons(out)).toEqual([null, "content_filter", "[DONE]"]);
  });

  it("a content chunk with nothing of Azure's on it reaches the client byte for byte", () => {
    const translator = azureTranslator();
    // Formatting a re-serialisation would change (spaces, an escaped character): only a pass-through keeps it.
    const plain = { data: '{"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {"content": "caf\\u00e9"}, "finish_reason": null}], "usage": null}' };
    const out = translator.push([chunk({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }), plain]);
    expect(out[1]).toEqual(plain);
  });

  it("each chunk it rewrites reaches the translator with the object it wrote, so the translator does not parse it again", () => {
    const call = azureCall("x", { stream: true, includeUsage: true });
    const inner = openAIStreamTranslator({ label: call.label, clientWantsUsage: true, usageMode: "usage-chunk" });
    const seen: SseEvent[] = [];
    const translator = azureStreamTranslator(call, { ...inner, push: (events) => (seen.push(...events), inner.push(events)) });
    const filtered = { content_filter_results: { hate: { filtered: false, severity: "safe" } } };
    const usage = { data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }) };
    translator.push([chunk({ index: 0, delta: { content: "Hey" }, finish_reason: null, ...filtered }), chunk({ index: 0, delta: {}, finish_reason: "stop", ...filtered }), usage, { data: "[DONE]" }]);
    const rewritten = seen.filter((e) => e.data !== "[DONE]");
    // The content chunk, the usage chunk (at once), the held finish (at [DONE]).
    expect(rewritten).toHaveLength(3);
    for (const e of rewritten) expect(e.parsed).toEqual(JSON.parse(e.data));
  });
});

describe("an Azure stream cut short after its usage chunk: the usage Azure reported is billed", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([true, false])("dropped before [DONE] (include_usage %s): the client gets the finish, the usage it asked for, then the error", async (includeUsage) => {
    const prompt = `hi ${tag()} fake:{"azureFilter":"async","afterUsage":"drop"}`;
    const result = await azureOpenAI.chat(azureCall(prompt, { stream: true, includeUsage }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", " the fake ", "upstream.", "finish:stop", ...(includeUsage ? ["usage"] : []), "error:upstream_stream_interrupted"]);
    expect(await result.outcome).toMatchObject({ result: "upstream_error", usage: fakeUsage(prompt) });
  });

  it("idle after it: the finish and usage, then the idle error", async () => {
    const prompt = `hi ${tag()} fake:{"azureFilter":"async","afterUsage":"hang"}`;
    const result = await azureOpenAI.chat(azureCall(prompt, { stream: true, includeUsage: true, idleTimeoutMs: 1_000 }));
    const chunks = await clientChunks(result.response);
    expect(shape(chunks)).toEqual(["role", "Hello from", " the fake ", "upstream.", "finish:stop", "usage", "error:upstream_stream_timeout"]);
    expect(await result.outcome).toMatchObject({ result: "upstream_error", usage: fakeUsage(prompt) });
  });

  it("the client leaves after the router read it", async () => {
    const prompt = `hi ${tag()} fake:{"azureFilter":"async","afterUsage":"hang"}`;
    const client = new AbortController();
    const realFetch = globalThis.fetch;
    // The upstream body read one piece per read of the relay: once the usage chunk has come through, the relay's next read is the moment to leave.
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const res = await realFetch(input, init);
      return new Response(leaveAfterUsage(res.body!, client), res);
    });
    const result = await azureOpenAI.chat(azureCall(prompt, { stream: true, includeUsage: true, clientSignal: client.signal }));
    await result.response.text();
    expect(client.signal.aborted).toBe(true);
    expect(await result.outcome).toMatchObject({ result: "client_aborted", usage: fakeUsage(prompt) });
  });
});

/** `body` as a stream read on demand; the first read after the usage chunk went through aborts `client` instead. */
function leaveAfterUsage(body: ReadableStream<Uint8Array>, client: AbortController): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (/"usage":\{/.test(text)) return client.abort();
        const { done, value } = await reader.read();
        if (done) return controller.close();
        text += decoder.decode(value, { stream: true });
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

describe("Azure OpenAI errors", () => {
  it.each([false, true])("a prompt the content filter blocked is the client's 400 content_filter naming the categories (stream %s)", async (stream) => {
    const err = (await azureOpenAI.chat(azureCall(`hi ${tag()} fake:{"contentFilter":"prompt"}`, { stream })).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 400, type: "invalid_request_error", code: "content_filter", param: "messages" });
    expect(err.message).toBe("The provider's content filter (Azure OpenAI (EU)) blocked the prompt: violence (high). Change the prompt; the request is not retried on another route.");
  });

  it("a 429 with Azure's retry-after-ms is a rate limit with that hint", async () => {
    const err = (await azureOpenAI.chat(azureCall(`hi ${tag()} fake:{"status":429,"retryAfterMs":1500}`)).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 429, code: "upstream_rate_limited", retryAfterMs: 1500 });
    expect(err.headers["retry-after"]).toBe("2");
  });

  it("a deployment the resource lacks (404 DeploymentNotFound) is a failure of the route, not the client's 404", async () => {
    const call = azureCall(`hi ${tag()}`);
    const err = (await azureOpenAI.chat({ ...call, config: { ...call.config, deployment: "missing-mini" } }).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 502, code: "upstream_deployment_not_found" });
  });

  it("the fake resource refuses a request with only an Authorization header, in Azure's 401 shape", async () => {
    const res = await fetch(`${env.FAKE_UPSTREAM_URL}/azure-eu/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "eu-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "401", message: expect.stringMatching(/^Access denied due to invalid subscription key or wrong API endpoint/) } });
  });
});
