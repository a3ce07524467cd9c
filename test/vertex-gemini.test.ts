import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADAPTERS } from "../src/providers/registry";
import { ClientClosedError } from "../src/providers/upstream";
import { ApiError } from "../src/shared/errors";
import { tag, upstreamRequests } from "./helpers/router";
import { dataOf, PROJECT, TOKEN, vertexChatCall, vertexConfig } from "./helpers/vertex";

const GEMINI = "google/gemini-3.8-flash";
const BASE_PATH = `/vertex-eu/v1/projects/${PROJECT}/locations/eu/publishers/google/models/gemini-3.8-flash`;

describe("Gemini on Vertex AI", () => {
  it("calls generateContent on the project's publisher model with the access token, not an API key", async () => {
    const marker = tag();
    const result = await ADAPTERS.vertex.chat(vertexChatCall(GEMINI, { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: marker }] }));
    const completion = (await result.response.json()) as { object: string; model: string; choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(completion).toMatchObject({ object: "chat.completion", model: "gemini-3.8-flash", choices: [{ message: { content: "Hello from the fake upstream." } }] });
    expect(completion.usage.completion_tokens).toBe(8);
    expect((await result.outcome).usage).toMatchObject({ promptTokens: completion.usage.prompt_tokens, completionTokens: 8 });

    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe(`${BASE_PATH}:generateContent`);
    expect(seen!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen!.headers["x-goog-api-key"]).toBeUndefined();
    expect(seen!.body.systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
    expect(seen!.body.contents).toEqual([{ role: "user", parts: [{ text: marker }] }]);
  });

  it("streams over SSE with the usage the last event reports", async () => {
    const marker = tag();
    const result = await ADAPTERS.vertex.chat(vertexChatCall(GEMINI, { stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: marker }] }));
    const data = dataOf(await result.response.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello from the fake upstream.");
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
    const usage = chunks.at(-1)!.usage!;
    expect(usage.completion_tokens).toBe(8);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + 8);
    expect((await result.outcome).usage).toMatchObject({ promptTokens: usage.prompt_tokens, completionTokens: 8 });
    // The fake refuses a stream without alt=sse; its record keeps the path.
    expect((await upstreamRequests(marker))[0]!.path).toBe(`${BASE_PATH}:streamGenerateContent`);
  });

  it("sends a configured regional location and encodes the path's segments", async () => {
    const marker = tag();
    const config = vertexConfig({ vertex: { project: "my project", location: "europe-west4" } });
    await (await ADAPTERS.vertex.chat(vertexChatCall(GEMINI, { messages: [{ role: "user", content: marker }] }, config))).response.text();
    expect((await upstreamRequests(marker))[0]!.path).toBe("/vertex-eu/v1/projects/my%20project/locations/europe-west4/publishers/google/models/gemini-3.8-flash:generateContent");
  });

  it("a 401 from Vertex is the router's credential failing: a 502 route failure", async () => {
    const call = vertexChatCall(GEMINI, { messages: [{ role: "user", content: `${tag()} fake:{"status":401}` }] });
    const err = await ADAPTERS.vertex.chat(call).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, code: "upstream_auth_error" });
    expect((err as ApiError).message).toContain("Vertex AI (EU)");
  });

  it("a token source failure fails the route with its own error, and nothing is sent", async () => {
    const marker = tag();
    const failure = new ApiError(502, "upstream_error", "upstream_auth_token_failed", "Could not get an access token for Vertex AI.");
    const config = vertexConfig({ accessToken: () => Promise.reject(failure) });
    await expect(ADAPTERS.vertex.chat(vertexChatCall(GEMINI, { messages: [{ role: "user", content: marker }] }, config))).rejects.toBe(failure);
    expect(await upstreamRequests(marker)).toEqual([]);
  });

  it("a client that leaves while the token is on its way ends the attempt with nothing sent", async () => {
    const marker = tag();
    const client = new AbortController();
    const config = vertexConfig({ accessToken: () => new Promise<string>(() => {}) });
    const pending = ADAPTERS.vertex.chat(vertexChatCall(GEMINI, { messages: [{ role: "user", content: marker }] }, config, client.signal));
    client.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientClosedError);
    expect((err as ClientClosedError).upstreamSent).toBe(false);
    expect(await upstreamRequests(marker)).toEqual([]);
  });

  it("a token that takes longer than the route's first-byte timeout fails the route, with nothing sent", async () => {
    const marker = tag();
    const config = vertexConfig({ accessToken: () => new Promise<string>(() => {}), timeoutMs: 50 });
    const err = await ADAPTERS.vertex.chat(vertexChatCall(GEMINI, { messages: [{ role: "user", content: marker }] }, config)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: "upstream_auth_token_failed" });
    expect(await upstreamRequests(marker)).toEqual([]);
  });

  it("a bad request is refused before a token is asked for", async () => {
    let asked = 0;
    const config = vertexConfig({ accessToken: () => ((asked += 1), Promise.resolve(TOKEN)) });
    const call = vertexChatCall(GEMINI, { messages: [{ role: "user", content: "hi" }], logit_bias: { "1": 1 } }, config);
    await expect(ADAPTERS.vertex.chat(call)).rejects.toMatchObject({ status: 400 });
    expect(asked).toBe(0);
  });
});

describe("the fake's Vertex paths", () => {
  const url = `${env.FAKE_UPSTREAM_URL}${BASE_PATH}:generateContent`;
  const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });

  it("answer 401 UNAUTHENTICATED in Google's shape without a bearer token", async () => {
    const variants: Record<string, string>[] = [{}, { "x-goog-api-key": "a-gemini-key" }];
    for (const headers of variants) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
    }
  });

  it("refuse Gemini contents without a role", async () => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ contents: [{ parts: [{ text: "hi" }] }] }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });
});
