/**
 * The fake upstream's per-route switches, called directly in Node: endpoint
 * labels from the path, directives that apply to one route, several
 * directives per prompt, `times` counted per key, and in-stream errors in
 * each provider's wire format.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelOf, startFakeUpstream, type FakeUpstream, type RecordedRequest } from "../fake-upstream/server.ts";

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

const tag = () => `tag-${crypto.randomUUID()}`;

function chat(path: string, prompt: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { authorization: "Bearer k", "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: prompt }], ...extra }),
  });
}

function anthropic(prompt: string): Promise<Response> {
  return fetch(`${fake.url}/anthropic/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json" },
    body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 32, stream: true, messages: [{ role: "user", content: prompt }] }),
  });
}

function gemini(prompt: string): Promise<Response> {
  return fetch(`${fake.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
    method: "POST",
    headers: { "x-goog-api-key": "k", "content-type": "application/json" },
    body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: prompt }] }] }),
  });
}

async function recorded(marker: string): Promise<RecordedRequest[]> {
  const res = await fetch(`${fake.url}/__requests?tag=${encodeURIComponent(marker)}`);
  return ((await res.json()) as { requests: RecordedRequest[] }).requests;
}

describe("endpoint labels", () => {
  it("are the first path segment; plain /v1 is OpenAI's", () => {
    expect(labelOf("/mistral-eu/v1/chat/completions")).toEqual(["mistral-eu", "/v1/chat/completions"]);
    expect(labelOf("/v1/chat/completions")).toEqual(["openai", "/v1/chat/completions"]);
    expect(labelOf("/gemini/v1beta/models/x:generateContent")).toEqual(["gemini", "/v1beta/models/x:generateContent"]);
  });

  it("any /<label>/v1/chat/completions answers, Mistral's format for mistral-* labels, OpenAI's otherwise; the label is recorded", async () => {
    const marker = tag();
    const global = await chat("/mistral-global/v1/chat/completions", marker);
    const eu = await chat("/openai-eu/v1/chat/completions", marker);
    const plain = await chat("/v1/chat/completions", marker);
    const classic = await chat("/mistral/v1/chat/completions", marker);
    expect([global.status, eu.status, plain.status, classic.status]).toEqual([200, 200, 200, 200]);
    // OpenAI's format carries a system_fingerprint; Mistral's does not.
    expect(await global.json()).not.toHaveProperty("system_fingerprint");
    expect(await eu.json()).toHaveProperty("system_fingerprint");
    // Mistral's format refuses fields it does not know (422); OpenAI's takes them.
    expect((await chat("/mistral-global/v1/chat/completions", "x", { user: "u" })).status).toBe(422);
    expect((await recorded(marker)).map((r) => r.label)).toEqual(["mistral-global", "openai-eu", "openai", "mistral"]);
  });

  it("an unknown path is still a 404", async () => {
    expect((await chat("/openai-eu/v2/chat/completions", "x")).status).toBe(404);
  });
});

describe("directives per route", () => {
  it("a directive with route applies only on that label's path", async () => {
    const prompt = `fake:{"route":"mistral-eu","status":503}`;
    expect((await chat("/mistral-eu/v1/chat/completions", prompt)).status).toBe(503);
    expect((await chat("/mistral/v1/chat/completions", prompt)).status).toBe(200);
  });

  it("several directives: the first that matches the path applies; one without route applies everywhere", async () => {
    const prompt = `fake:{"route":"a","status":500} fake:{"route":"b","status":429} fake:{"reply":"everywhere"}`;
    expect((await chat("/a/v1/chat/completions", prompt)).status).toBe(500);
    expect((await chat("/b/v1/chat/completions", prompt)).status).toBe(429);
    const other = (await (await chat("/c/v1/chat/completions", prompt)).json()) as { choices: { message: { content: string } }[] };
    expect(other.choices[0]!.message.content).toBe("everywhere");
  });

  it("times + key: the first N matching requests with the key, then the next directive or none", async () => {
    const key = tag();
    const prompt = `fake:{"route":"a","status":503,"times":2,"key":"${key}"}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat("/a/v1/chat/completions", prompt)).status);
    // A request on another route neither matches nor counts.
    expect((await chat("/b/v1/chat/completions", `fake:{"route":"a","status":503,"times":1,"key":"${tag()}"}`)).status).toBe(200);
    expect(statuses).toEqual([503, 503, 200]);

    const next = tag();
    const chained = `fake:{"status":429,"times":1,"key":"${next}"} fake:{"status":500}`;
    expect((await chat("/a/v1/chat/completions", chained)).status).toBe(429);
    expect((await chat("/a/v1/chat/completions", chained)).status).toBe(500);
  });
});

/** SSE blocks of a stream's text, comments and bare lines included as they are. */
const blocksOf = (text: string) => text.split(/\r?\n\r?\n/).filter((b) => b.trim() !== "");

describe("streamError in each provider's wire format", () => {
  it("OpenAI/Mistral: a data: {error} event then [DONE], after the role chunk (first) or the first content chunk (mid)", async () => {
    for (const path of ["/openai/v1/chat/completions", "/mistral-eu/v1/chat/completions"]) {
      const first = blocksOf(await (await chat(path, 'fake:{"streamError":"first"}', { stream: true })).text());
      expect(first).toHaveLength(3);
      expect(JSON.parse(first[0]!.slice(6)).choices[0].delta.role).toBe("assistant");
      expect(JSON.parse(first[1]!.slice(6))).toMatchObject({ error: { type: "server_error", message: expect.any(String) } });
      expect(first[2]).toBe("data: [DONE]");
      const mid = blocksOf(await (await chat(path, 'fake:{"streamError":"mid"}', { stream: true })).text());
      expect(JSON.parse(mid[1]!.slice(6)).choices[0].delta.content).toBe("Hello from");
      expect(JSON.parse(mid[2]!.slice(6))).toHaveProperty("error");
    }
  });

  it("Anthropic: event: error with overloaded_error, after message_start and ping (first) or the first delta (mid)", async () => {
    const names = (text: string) => blocksOf(text).map((b) => /^event: (.*)$/m.exec(b)?.[1]);
    const first = await (await anthropic('fake:{"streamError":"first"}')).text();
    expect(names(first)).toEqual(["message_start", "ping", "error"]);
    expect(blocksOf(first).at(-1)).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    expect(names(await (await anthropic('fake:{"streamError":"mid"}')).text())).toEqual(["message_start", "ping", "content_block_start", "content_block_delta", "error"]);
  });

  it("Gemini: the error body as bare JSON after the events, not in a data line", async () => {
    const first = await (await gemini('fake:{"streamError":"first"}')).text();
    expect(first).not.toContain("data:");
    expect(JSON.parse(first)).toEqual({ error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } });
    const mid = blocksOf(await (await gemini('fake:{"streamError":"mid"}')).text());
    expect(mid[0]!.startsWith("data: ")).toBe(true);
    expect(JSON.parse(mid[1]!)).toMatchObject({ error: { status: "UNAVAILABLE" } });
  });
});
