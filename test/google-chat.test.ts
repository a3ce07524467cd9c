import { beforeAll, describe, expect, it } from "vitest";
import { chat, errorOf, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const FLASH = "google/gemini-3.8-flash";
const TOOLS = [
  {
    type: "function",
    function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } },
  },
];

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
  extra_content?: { google: { thought_signature: string } };
}
interface Completion {
  id: string;
  object: string;
  model: string;
  choices: { index: number; message: { role: string; content: string | null; reasoning_content?: string; tool_calls?: ToolCall[] }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number }; completion_tokens_details: { reasoning_tokens: number } };
}

async function complete(body: Record<string, unknown>): Promise<Completion> {
  const res = await chat(customer.key, { model: FLASH, ...body });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Completion;
}

describe("google/* through the router (non-streaming)", () => {
  it("answers in OpenAI format with usage, calling generateContent on the catalogue's model", async () => {
    const marker = tag();
    const body = await complete({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: marker }] });
    expect(body.object).toBe("chat.completion");
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices[0]).toMatchObject({ index: 0, message: { role: "assistant", content: "Hello from the fake upstream." }, finish_reason: "stop" });
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBe(8);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 8);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe("/gemini/v1beta/models/gemini-3.8-flash:generateContent");
    expect(seen!.body.systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
  });

  it("works for gemini-3.5-flash-lite too", async () => {
    const marker = tag();
    const res = await chat(customer.key, { model: "google/gemini-3.5-flash-lite", messages: [{ role: "user", content: marker }] });
    expect(res.status).toBe(200);
    expect((await upstreamRequests(marker))[0]!.path).toBe("/gemini/v1beta/models/gemini-3.5-flash-lite:generateContent");
  });

  it("round-trips a tool call with its thought signature echoed back upstream", async () => {
    const marker = tag();
    const messages: unknown[] = [{ role: "user", content: `${marker} weather in Paris?` }];
    const first = await complete({ messages, tools: TOOLS, reasoning_effort: "low" });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(message.content).toBeNull();
    expect(message.reasoning_content).toBeTruthy();
    const call = message.tool_calls![0]!;
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(call.id).toMatch(/^call_/);
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    const signature = call.extra_content!.google.thought_signature;
    expect(signature).toBeTruthy();

    messages.push(message, { role: "tool", tool_call_id: call.id, content: '{"temp":21}' });
    const second = await complete({ messages, tools: TOOLS, reasoning_effort: "low" });
    expect(second.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Hello from the fake upstream." } });

    const sent = (await upstreamRequests(marker))[1]!.body as { contents: { role: string; parts: Record<string, unknown>[] }[] };
    expect(sent.contents[1]).toEqual({ role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: signature }] });
    expect(sent.contents[2]).toEqual({ role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: '{"temp":21}' } } }] });
  });

  it("returns parallel tool calls with distinct ids", async () => {
    const body = await complete({ messages: [{ role: "user", content: 'fake:{"parallelTools":2}' }], tools: TOOLS, tool_choice: "required" });
    const calls = body.choices[0]!.message.tool_calls!;
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(calls.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([{ city: "Paris" }, { city: "Berlin" }]);
  });

  it("sends json_schema as responseJsonSchema and returns the JSON text", async () => {
    const marker = tag();
    const schema = { type: "object", properties: { reply: { type: "string" } }, required: ["reply"] };
    const body = await complete({ messages: [{ role: "user", content: marker }], response_format: { type: "json_schema", json_schema: { name: "r", schema } } });
    expect(JSON.parse(body.choices[0]!.message.content!)).toEqual({ reply: "Hello from the fake upstream." });
    expect((await upstreamRequests(marker))[0]!.body.generationConfig).toEqual({ responseMimeType: "application/json", responseJsonSchema: schema });
  });

  it("surfaces thoughts as reasoning_content and counts cached and reasoning tokens", async () => {
    const body = await complete({ messages: [{ role: "user", content: `fake:{"cached":64} ${"x".repeat(400)}` }], reasoning_effort: "medium" });
    const { message } = body.choices[0]!;
    expect(message.content).toBe("Hello from the fake upstream.");
    expect(message.reasoning_content).toBe("Thinking about the question.");
    expect(body.usage.prompt_tokens_details.cached_tokens).toBe(64);
    const reasoning = body.usage.completion_tokens_details.reasoning_tokens;
    expect(reasoning).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBe(8 + reasoning);
  });

  it("maps a SAFETY finish and a blocked prompt to content_filter", async () => {
    for (const directive of ['fake:{"safety":true}', 'fake:{"blocked":true}']) {
      const body = await complete({ messages: [{ role: "user", content: directive }] });
      expect(body.choices[0], directive).toMatchObject({ finish_reason: "content_filter", message: { content: "" } });
    }
  });

  it("answers 400 for a parameter Gemini cannot honour, without calling it", async () => {
    const marker = tag();
    const res = await chat(customer.key, { model: FLASH, messages: [{ role: "user", content: marker }], logit_bias: { "42": 1 } });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "unsupported_parameter", param: "logit_bias" });
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("requires consent: Gemini is not EU-bound", async () => {
    const { key } = await newCustomer({ consent: false });
    const res = await chat(key, { model: FLASH, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("consent_required");
  });

  it("sends only the router's x-goog-api-key credential upstream", async () => {
    const marker = tag();
    const res = await chat(customer.key, { model: FLASH, messages: [{ role: "user", content: marker }] }, { cookie: "s=1", "x-goog-api-key": "client-key", "x-custom-header": "client-value" });
    expect(res.status).toBe(200);
    const headers = (await upstreamRequests(marker))[0]!.headers;
    expect(headers["x-goog-api-key"]).toBe("router-gemini-credential");
    for (const name of ["authorization", "cookie", "x-custom-header", "x-api-key"]) expect(headers, name).not.toHaveProperty(name);
    expect(JSON.stringify(headers)).not.toContain(customer.key);
    expect(headers["user-agent"]).toBe("emby-router/0.1");
  });
});
