/**
 * End-to-end for google/* models: the official OpenAI SDK against the router
 * under `wrangler dev`, translated to the fake Gemini API and back, with a
 * tool-call round trip streaming and not. Usage must be non-zero every time.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";

const MODEL = "google/gemini-3.8-flash";
let e2e: E2EStack;
let client: OpenAI;

beforeAll(async () => {
  e2e = await startE2EStack("gemini");
  client = new OpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0 });
});

afterAll(() => e2e?.stop());

const tools: OpenAI.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
];

describe(`official openai SDK → ${MODEL}`, () => {
  it("non-streaming completion with usage", async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the fake upstream.");
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage!.completion_tokens).toBe(8);
  });

  it("streaming completion with usage when asked", async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: 'fake:{"chunks":4}' }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello from the fake upstream.");
    expect(usage!.completion_tokens).toBe(8);
  });

  for (const streaming of [false, true]) {
    it(`tool-call round trip (${streaming ? "streaming" : "non-streaming"}), thought signature carried back`, async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
      let assistant: OpenAI.ChatCompletionAssistantMessageParam;
      let firstUsage: OpenAI.CompletionUsage | undefined;
      if (streaming) {
        const stream = await client.chat.completions.create({ model: MODEL, messages, tools, reasoning_effort: "low", stream: true, stream_options: { include_usage: true } });
        const calls: OpenAI.ChatCompletionMessageToolCall[] = [];
        for await (const chunk of stream) {
          for (const d of chunk.choices[0]?.delta.tool_calls ?? []) calls[d.index] = d as unknown as OpenAI.ChatCompletionMessageToolCall;
          if (chunk.usage) firstUsage = chunk.usage;
        }
        assistant = { role: "assistant", content: null, tool_calls: calls };
      } else {
        const completion = await client.chat.completions.create({ model: MODEL, messages, tools, reasoning_effort: "low" });
        expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
        assistant = completion.choices[0]!.message as OpenAI.ChatCompletionAssistantMessageParam;
        firstUsage = completion.usage;
      }
      const call = assistant.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall & { extra_content?: { google?: { thought_signature?: string } } };
      expect(call.function.name).toBe("get_weather");
      expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
      expect(call.extra_content?.google?.thought_signature).toBeTruthy();
      expect(firstUsage!.completion_tokens).toBeGreaterThan(0);
      expect(firstUsage!.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);

      messages.push(assistant, { role: "tool", tool_call_id: call.id, content: '{"temp":21}' });
      const final = await client.chat.completions.create({ model: MODEL, messages, tools, reasoning_effort: "low" });
      expect(final.choices[0]!.finish_reason).toBe("stop");
      expect(final.choices[0]!.message.content).toBe("Hello from the fake upstream.");
      expect(final.usage!.prompt_tokens).toBeGreaterThan(0);
    });
  }
});
