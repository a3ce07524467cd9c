import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { messagesRequestSchema } from "../src/providers/anthropic/schema";
import { ADAPTERS, messagesPassthrough } from "../src/providers/registry";
import type { ChatResult } from "../src/providers/types";
import { anthropicEvents, passthroughConversation } from "./helpers/messages";
import { tag, upstreamRequests } from "./helpers/router";
import { dataOf, PROJECT, TOKEN, vertexChatCall, vertexConfig, vertexRoute } from "./helpers/vertex";

const CLAUDE = "anthropic/claude-sonnet-4-5@20250929";
const BASE_PATH = `/vertex-eu/v1/projects/${PROJECT}/locations/eu/publishers/anthropic/models/claude-sonnet-4-5@20250929`;

/** What every Claude call to Vertex must look like: the model in the URL, the version in the body, the token as the only credential. */
function expectVertexClaude(seen: { path: string; headers: Record<string, unknown>; body: Record<string, unknown> }, method: "rawPredict" | "streamRawPredict") {
  expect(seen.path).toBe(`${BASE_PATH}:${method}`);
  expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(seen.headers["anthropic-version"]).toBeUndefined();
  expect(seen.headers["anthropic-beta"]).toBeUndefined();
  expect(seen.headers["x-api-key"]).toBeUndefined();
  expect(seen.body.anthropic_version).toBe("vertex-2023-10-16");
  expect(seen.body).not.toHaveProperty("model");
}

/** /v1/messages on a Vertex Claude route, through the passthrough the router picks for it. */
function passthrough(request: Record<string, unknown>, options: { version?: "2023-06-01" | "2026-10-21"; betas?: string[] } = {}): Promise<ChatResult> {
  const route = vertexRoute(CLAUDE);
  const pass = messagesPassthrough("vertex", route);
  if (!pass) throw new Error("a Vertex Claude route must get the passthrough");
  return pass({
    request: messagesRequestSchema.parse(request),
    route,
    config: vertexConfig(),
    label: "Vertex AI (EU)",
    version: options.version ?? "2023-06-01",
    betas: options.betas ?? [],
    clientSignal: new AbortController().signal,
  });
}

describe("Claude on Vertex AI through /v1/chat/completions", () => {
  it("translates to a rawPredict Messages body without model, answered in OpenAI's format", async () => {
    const marker = tag();
    const result = await ADAPTERS.vertex.chat(vertexChatCall(CLAUDE, { max_tokens: 100, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: marker }] }));
    const completion = (await result.response.json()) as { object: string; choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(completion).toMatchObject({ object: "chat.completion", choices: [{ message: { content: "Hello from the fake upstream." }, finish_reason: "stop" }] });
    expect((await result.outcome).usage?.completionTokens).toBe(completion.usage.completion_tokens);
    const [seen] = await upstreamRequests(marker);
    expectVertexClaude(seen!, "rawPredict");
    expect(seen!.body).toMatchObject({ max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: [{ type: "text", text: marker }] }] });
  });

  it("streams from streamRawPredict, translated to OpenAI chunks with usage", async () => {
    const marker = tag();
    const result = await ADAPTERS.vertex.chat(vertexChatCall(CLAUDE, { stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: marker }] }));
    const data = dataOf(await result.response.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number } });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello from the fake upstream.");
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    expect((await result.outcome).usage?.completionTokens).toBe(chunks.at(-1)!.usage!.completion_tokens);
    const [seen] = await upstreamRequests(marker);
    expectVertexClaude(seen!, "streamRawPredict");
    expect(seen!.body.stream).toBe(true);
  });
});

describe("Claude on Vertex AI through /v1/messages (passthrough)", () => {
  const conversation = (marker: string) => passthroughConversation("anthropic/claude-sonnet-4.5", marker);

  it("sends the request as sent, thinking blocks, signatures and cache_control intact, with Vertex's version and the betas in the body", async () => {
    const marker = tag();
    const request = conversation(marker);
    const betas = ["interleaved-thinking-2025-05-14"];
    const result = await passthrough(request, { betas });
    const message = (await result.response.json()) as { type: string; content: { type: string; signature?: string }[] };
    expect(message.type).toBe("message");
    expect(message.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect(message.content[0]!.signature).toMatch(/^sig-/);
    expect((await result.outcome).usage?.completionTokens).toBeGreaterThan(0);
    const [seen] = await upstreamRequests(marker);
    expectVertexClaude(seen!, "rawPredict");
    const { model: _model, ...rest } = request;
    expect(seen!.body).toEqual({ ...rest, anthropic_version: "vertex-2023-10-16", anthropic_beta: betas });
  });

  it("streams Anthropic's events back unchanged", async () => {
    const marker = tag();
    const result = await passthrough({ ...conversation(marker), stream: true });
    const events = await anthropicEvents(result.response);
    expect(events[0]!.event).toBe("message_start");
    expect(events.at(-1)!.event).toBe("message_stop");
    const deltas = events.filter((e) => e.event === "content_block_delta").map((e) => (e.data.delta as { type: string }).type);
    expect(deltas).toContain("thinking_delta");
    expect(deltas).toContain("signature_delta");
    expect((await result.outcome).usage?.completionTokens).toBeGreaterThan(0);
    const [seen] = await upstreamRequests(marker);
    expectVertexClaude(seen!, "streamRawPredict");
    expect(seen!.body).not.toHaveProperty("anthropic_beta");
  });

  it("speaks Vertex's version whatever version the client spoke, with the token as credential", async () => {
    const marker = tag();
    const result = await passthrough({ model: "anthropic/claude-sonnet-4.5", max_tokens: 50, messages: [{ role: "user", content: marker }] }, { version: "2026-10-21" });
    expect(((await result.response.json()) as { type: string }).type).toBe("message");
    expectVertexClaude((await upstreamRequests(marker))[0]!, "rawPredict");
  });

  it("is chosen for Claude routes on Vertex only", () => {
    expect(messagesPassthrough("vertex", vertexRoute("google/gemini-3.8-flash"))).toBeNull();
    expect(messagesPassthrough("gemini", vertexRoute("gemini-3.8-flash"))).toBeNull();
    expect(messagesPassthrough("anthropic", vertexRoute("claude-haiku-4-5"))).not.toBeNull();
  });
});

describe("the fake's Vertex Claude paths", () => {
  const post = (body: unknown, authorization = `Bearer ${TOKEN}`) =>
    fetch(`${env.FAKE_UPSTREAM_URL}${BASE_PATH}:rawPredict`, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify(body) });
  const messages = [{ role: "user", content: "hi" }];

  it("refuse a body with model or without Vertex's anthropic_version, in Anthropic's error shape", async () => {
    for (const body of [
      { model: "claude-sonnet-4-5", anthropic_version: "vertex-2023-10-16", max_tokens: 10, messages },
      { max_tokens: 10, messages },
      { anthropic_version: "2023-06-01", max_tokens: 10, messages },
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    }
  });

  it("answer a well-formed body, and 401 in Google's shape without a token", async () => {
    expect((await post({ anthropic_version: "vertex-2023-10-16", max_tokens: 10, messages })).status).toBe(200);
    const res = await post({ anthropic_version: "vertex-2023-10-16", max_tokens: 10, messages }, "");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
  });
});
