import { beforeAll, describe, expect, it } from "vitest";
import { upstreamSawAbort } from "./helpers/upstream-abort";
import { geminiError } from "../src/providers/google/errors";
import { chat, errorOf, newCustomer, releaseHold, sseData, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const FLASH = "google/gemini-3.8-flash";
const TOOLS = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

interface Chunk {
  id: string;
  object: string;
  choices: { index: number; delta: { role?: string; content?: string; reasoning_content?: string; tool_calls?: { index: number; id: string; function: { name: string; arguments: string } }[] }; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number }; completion_tokens_details: { reasoning_tokens: number } };
  error?: { code: string };
}

const stream = (content: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  chat(customer.key, { model: FLASH, stream: true, messages: [{ role: "user", content }], ...extra }, {}, signal);

async function chunks(res: Response): Promise<{ data: string[]; parsed: Chunk[] }> {
  expect(res.status).toBe(200);
  const data = await sseData(res);
  return { data, parsed: data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as Chunk) };
}

describe("google/* streaming through the router", () => {
  it("streams OpenAI chunks from streamGenerateContent?alt=sse, without a usage chunk unless asked", async () => {
    const marker = tag();
    const { data, parsed } = await chunks(await stream(`${marker} fake:{"chunks":4}`));
    expect(data.at(-1)).toBe("[DONE]");
    expect(parsed.every((c) => c.object === "chat.completion.chunk" && c.id === parsed[0]!.id && !c.usage)).toBe(true);
    expect(parsed[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(parsed.map((c) => c.choices[0]!.delta.content ?? "").join("")).toBe("Hello from the fake upstream.");
    expect(parsed.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe("/gemini/v1beta/models/gemini-3.8-flash:streamGenerateContent");
  });

  it("ends with one usage chunk (empty choices) when include_usage is set, reasoning and cached tokens included", async () => {
    const { data, parsed } = await chunks(await stream(`fake:{"cached":3} ${"y".repeat(60)}`, { stream_options: { include_usage: true }, reasoning_effort: "low" }));
    expect(data.at(-1)).toBe("[DONE]");
    const usageChunks = parsed.filter((c) => c.usage);
    expect(usageChunks).toHaveLength(1);
    expect(usageChunks[0]).toBe(parsed.at(-1));
    expect(usageChunks[0]!.choices).toEqual([]);
    const usage = usageChunks[0]!.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.prompt_tokens_details.cached_tokens).toBe(3);
    expect(usage.completion_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBe(8 + usage.completion_tokens_details.reasoning_tokens);
    expect(parsed.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe("Thinking about the question.");
  });

  it("streams parallel tool calls as complete deltas with their own indexes", async () => {
    const { parsed } = await chunks(await stream('fake:{"parallelTools":2}', { tools: TOOLS }));
    const calls = parsed.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(calls.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([{ city: "Paris" }, { city: "Berlin" }]);
    expect(parsed.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("maps a streamed SAFETY finish to content_filter", async () => {
    const { parsed } = await chunks(await stream('fake:{"safety":true}'));
    expect(parsed.at(-1)!.choices[0]!.finish_reason).toBe("content_filter");
  });

  it("delivers chunks before the upstream has finished (no buffering)", async () => {
    const hold = `hold-${crypto.randomUUID()}`;
    const res = await stream(`fake:{"hold":"${hold}"}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("Hello from")) text += decoder.decode((await reader.read()).value, { stream: true });
    expect(text).not.toContain("[DONE]");
    await releaseHold(hold);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true });
    expect(text).toContain("[DONE]");
  });

  it("ends with an error event when the upstream drops mid-stream", async () => {
    const { data, parsed } = await chunks(await stream('fake:{"drop":"mid"}'));
    expect(data).not.toContain("[DONE]");
    expect(parsed.at(-1)!.error?.code).toMatch(/^upstream_stream_(interrupted|incomplete)$/);
  });

  it("cancels the upstream request when the client disconnects", async () => {
    const marker = tag();
    const hold = `hold-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const res = await stream(`${marker} fake:{"hold":"${hold}"}`, {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    expect(await upstreamSawAbort(marker)).toBe(true);
  });
});

describe("google/* upstream error mapping", () => {
  const ask = (directive: object, streaming = false) => chat(customer.key, { model: FLASH, stream: streaming, messages: [{ role: "user", content: `fake:${JSON.stringify(directive)}` }] });

  it("429 RESOURCE_EXHAUSTED → 429 with Retry-After and Gemini's message", async () => {
    for (const streaming of [false, true]) {
      const res = await ask({ status: 429, retryAfter: 9 }, streaming);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("9");
      expect(await errorOf(res)).toMatchObject({ type: "rate_limit_error", code: "upstream_rate_limited", message: "Fake upstream error 429." });
    }
  });

  it("400 INVALID_ARGUMENT → 400 with the message", async () => {
    const res = await ask({ status: 400 });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "upstream_invalid_request", message: "Fake upstream error 400." });
  });

  it("403 PERMISSION_DENIED → 502 upstream_auth_error, never a client 403", async () => {
    const res = await ask({ status: 403 });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_auth_error");
  });

  it("a 400 API_KEY_INVALID is the router's credential failing → 502 upstream_auth_error", async () => {
    const body = { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }] } };
    const err = await geminiError(new Response(JSON.stringify(body), { status: 400 }));
    expect(err).toMatchObject({ status: 502, code: "upstream_auth_error" });
  });

  it("500 → 502, 503 → 503 with Retry-After", async () => {
    const failed = await ask({ status: 500 });
    expect(failed.status).toBe(502);
    expect((await errorOf(failed)).code).toBe("upstream_error");
    const unavailable = await ask({ status: 503, retryAfter: 4 });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("4");
  });

  it("a 200 whose body is not JSON → 502 upstream_invalid_response", async () => {
    const res = await ask({ garbage: true });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_invalid_response");
  });

  it("a slow upstream → 504", async () => {
    const res = await ask({ firstByteDelayMs: 2500 }, true);
    expect(res.status).toBe(504);
  });
});
