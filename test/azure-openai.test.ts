/**
 * The Azure OpenAI adapter against the fake's Azure resource: the v1 URL,
 * the `api-key` header, the deployment as the model, and Azure's
 * content-filter quirks brought back to OpenAI's format (what the client
 * receives, chunk by chunk), with usage still counted.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { azureOpenAI } from "../src/providers/azure";
import { azureStreamFilter } from "../src/providers/azure/content-filter";
import { chatCompletionRequestSchema } from "../src/providers/chat-schema";
import { ENDPOINTS, endpointConfig } from "../src/providers/endpoints";
import type { ProviderCall, Route } from "../src/providers/types";
import type { ApiError } from "../src/shared/errors";
import { tag, upstreamRequests } from "./helpers/router";

const KEY = "azure-test-key";
const route: Route = { endpoint: "azure-eu", upstreamModel: "gpt-4o-mini", region: "eu", pricing: { prompt: 0.165, completion: 0.66 }, contextLength: 128_000, maxOutputTokens: 16_384 };

function azureCall(prompt: string, options: { stream?: boolean; includeUsage?: boolean } = {}): ProviderCall {
  const azureEnv = { ...env, AZURE_OPENAI_EU_API_KEY: KEY, AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o-mini=eu-mini, gpt-4o" } as Env;
  const request = chatCompletionRequestSchema.parse({
    model: "openai/gpt-4o-mini",
    messages: [{ role: "user", content: prompt }],
    ...(options.stream ? { stream: true } : {}),
    ...(options.includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  return { request, route, config: endpointConfig(ENDPOINTS["azure-eu"], azureEnv, route, 2_000)!, label: "Azure OpenAI (EU)", requestId: "req-azure", clientSignal: new AbortController().signal };
}

/** The client's stream as parsed JSON chunks, `[DONE]` as the string. */
async function clientChunks(res: Response): Promise<(Record<string, unknown> | "[DONE]")[]> {
  const text = await res.text();
  return [...text.matchAll(/^data: (.*)$/gm)].map(([, data]) => (data === "[DONE]" ? "[DONE]" : (JSON.parse(data!) as Record<string, unknown>)));
}

type Choice = { index: number; delta: Record<string, unknown>; finish_reason: string | null } & Record<string, unknown>;
const choice = (chunk: Record<string, unknown> | "[DONE]") => (chunk === "[DONE]" ? null : ((chunk.choices as Choice[])[0] ?? null));
/** Each chunk in brief: "role", the content, "finish:<reason>", "usage" or "[DONE]". */
const shape = (chunks: Awaited<ReturnType<typeof clientChunks>>) =>
  chunks.map((c) => {
    if (c === "[DONE]") return c;
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

  it("a late content_filter verdict after a stop finish replaces it: one finish per choice", () => {
    const filter = azureStreamFilter(azureCall("x", { stream: true }));
    const chunk = (choice: object, id = "chatcmpl-1") => ({ data: JSON.stringify({ id, object: id ? "chat.completion.chunk" : "", created: id ? 1 : 0, model: id ? "gpt-4o-mini" : "", choices: [choice], usage: null }) });
    const out = [
      ...filter.push([chunk({ index: 0, delta: { content: "Hey" }, finish_reason: null }), chunk({ index: 0, delta: {}, finish_reason: "stop" })]),
      ...filter.push([chunk({ index: 0, finish_reason: "content_filter", content_filter_results: { protected_material_text: { detected: true, filtered: true } } }, ""), { data: "[DONE]" }]),
    ].map((e) => (e.data === "[DONE]" ? e.data : (JSON.parse(e.data) as { choices: Choice[] }).choices[0]!.finish_reason));
    expect(out).toEqual([null, "content_filter", "[DONE]"]);
  });
});

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
