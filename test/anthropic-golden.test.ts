import { describe, expect, it } from "vitest";
import { toAnthropicRequest } from "../src/providers/anthropic/request";
import { toOpenAICompletion } from "../src/providers/anthropic/response";
import { anthropicMessageSchema, messagesRequestSchema } from "../src/providers/anthropic/schema";
import { anthropicToOpenAIStream } from "../src/providers/anthropic/stream";
import { chatCompletionRequestSchema } from "../src/providers/chat-schema";
import { fromMessagesRequest } from "../src/router/messages/from-messages";
import { openAIToAnthropicStream, toAnthropicMessage } from "../src/router/messages/to-messages";
import { ANTHROPIC_REQUEST, MESSAGE, OPENAI_REQUEST, TEXT_STREAM, THINKING_MESSAGE, THINKING_STREAM, TOOL_STREAM } from "./fixtures/anthropic";
import { seededCuts, translate } from "./helpers/relay";

const enc = new TextEncoder();
interface Chunk {
  choices: { delta: { content?: string; reasoning_content?: string; tool_calls?: { function: { arguments: string } }[]; thinking_blocks?: unknown[] }; finish_reason: string | null }[];
  usage?: Record<string, unknown>;
}
const chunks = (events: { data: string }[]) => events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data) as Chunk);

describe("Anthropic golden fixtures", () => {
  it("OpenAI request → Anthropic request", () => {
    expect(toAnthropicRequest(chatCompletionRequestSchema.parse(OPENAI_REQUEST), "claude-haiku-4-5")).toEqual(ANTHROPIC_REQUEST);
  });

  it("Anthropic request → OpenAI request (/v1/messages translation) round-trips the same conversation", () => {
    const request = fromMessagesRequest(messagesRequestSchema.parse({ ...ANTHROPIC_REQUEST, model: "openai/gpt-4o-mini" }), false);
    expect(request).toEqual({
      model: "openai/gpt-4o-mini",
      messages: [
        { role: "system", content: "You are a weather bot." },
        { role: "user", content: [{ type: "text", text: "What is the weather like in San Francisco?" }] },
        { role: "assistant", content: "Let me check.", tool_calls: [{ id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"location":"San Francisco, CA"}' } }] },
        { role: "tool", tool_call_id: "toolu_01A09q90qw90lq917835lq9", content: "15 degrees" },
      ],
      max_completion_tokens: 1024,
      stop: ["\n\nHuman:"],
      top_p: 0.9,
      tools: OPENAI_REQUEST.tools,
      tool_choice: "auto",
      parallel_tool_calls: false,
    });
  });

  it("Anthropic response → OpenAI completion, cache reads counted as cached prompt tokens", () => {
    const { completion } = toOpenAICompletion(anthropicMessageSchema.parse(MESSAGE));
    expect({ ...completion, created: 0 }).toEqual({
      id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
      object: "chat.completion",
      created: 0,
      model: "claude-sonnet-5-5",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi! My name is Claude.", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 3095, completion_tokens: 503, total_tokens: 3598, prompt_tokens_details: { cached_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it("Anthropic thinking tokens → reasoning_tokens, inside completion_tokens (non-streaming)", () => {
    const { completion, usage } = toOpenAICompletion(anthropicMessageSchema.parse(THINKING_MESSAGE));
    expect(completion.usage).toEqual({ prompt_tokens: 40, completion_tokens: 120, total_tokens: 160, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 95 } });
    expect(usage).toEqual({ promptTokens: 40, completionTokens: 120, cachedTokens: 0, reasoningTokens: 95 });
  });

  it("OpenAI completion → Anthropic message", () => {
    const message = toAnthropicMessage(
      {
        id: "chatcmpl-123",
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "Hello there." }, finish_reason: "length" }],
        usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, prompt_tokens_details: { cached_tokens: 4 } },
      },
      "openai/gpt-4o-mini",
    );
    expect(message).toEqual({
      id: "msg_chatcmpl-123",
      type: "message",
      role: "assistant",
      model: "openai/gpt-4o-mini",
      content: [{ type: "text", text: "Hello there." }],
      stop_reason: "max_tokens",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
    });
  });

  it("OpenAI completion → Anthropic message: reasoning tokens become thinking_tokens", () => {
    const message = toAnthropicMessage(
      { id: "c", choices: [{ index: 0, message: { role: "assistant", content: "4" }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 40, total_tokens: 49, completion_tokens_details: { reasoning_tokens: 36 } } },
      "google/gemini-3.8-flash",
    );
    expect(message.usage).toEqual({ input_tokens: 9, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens_details: { thinking_tokens: 36 } });
  });

  it("Gemini thought signatures: tool_calls[].extra_content ⇄ a signed thinking block before the tool_use", async () => {
    const signature = "c2lnbmF0dXJl";
    const carrier = { type: "thinking", thinking: "", signature: `google-thought-signature:${signature}` };
    const call = { id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' }, extra_content: { google: { thought_signature: signature } } };
    const message = toAnthropicMessage({ id: "c", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls" }] }, "google/gemini-3.8-flash");
    expect(message.content).toEqual([carrier, { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } }]);
    const chunk = { id: "c", choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, ...call }] }, finish_reason: "tool_calls" }] };
    const events = await translate(() => openAIToAnthropicStream("m"), enc.encode(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`));
    expect(events.slice(1, 4).map((e) => JSON.parse(e.data))).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: carrier.signature } },
      { type: "content_block_stop", index: 0 },
    ]);
    // Sent back, the carrier becomes the signature of the tool call that follows it, and nothing else.
    const request = fromMessagesRequest(
      messagesRequestSchema.parse({ model: "google/gemini-3.8-flash", max_tokens: 10, messages: [{ role: "user", content: "x" }, { role: "assistant", content: message.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1", content: "ok" }] }] }),
      false,
    );
    expect(request.messages[1]).toEqual({ role: "assistant", content: null, tool_calls: [call] });
  });

  it("Anthropic text stream → OpenAI chunks", async () => {
    const out = await translate(() => anthropicToOpenAIStream({ clientWantsUsage: true }), enc.encode(TEXT_STREAM));
    expect(out.at(-1)!.data).toBe("[DONE]");
    const c = chunks(out);
    expect(c.map((x) => x.choices[0]?.delta ?? null)).toEqual([{ role: "assistant", content: "" }, { content: "Hello" }, { content: "!" }, {}, null]);
    expect(c.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(c.at(-1)!.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
  });

  it("Anthropic tool-use stream → OpenAI tool call deltas", async () => {
    const c = chunks(await translate(() => anthropicToOpenAIStream({ clientWantsUsage: false }), enc.encode(TOOL_STREAM)));
    const calls = c.flatMap((x) => x.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: "" } });
    expect(calls.map((t) => t.function.arguments).join("")).toBe('{"location": "San Francisco, CA", "unit": "fahrenheit"}');
    expect(c.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("Anthropic thinking stream → reasoning_content deltas and the signed block", async () => {
    const c = chunks(await translate(() => anthropicToOpenAIStream({ clientWantsUsage: true }), enc.encode(THINKING_STREAM)));
    const reasoning = c.map((x) => x.choices[0]?.delta.reasoning_content ?? "").join("");
    expect(reasoning).toBe("Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3");
    const blocks = c.flatMap((x) => x.choices[0]?.delta.thinking_blocks ?? []);
    expect(blocks).toEqual([{ type: "thinking", thinking: reasoning, signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..." }]);
    expect(c.at(-1)!.usage).toMatchObject({ prompt_tokens: 50, prompt_tokens_details: { cached_tokens: 10 } });
  });

  it("Anthropic thinking stream: thinking_tokens of the final message_delta → reasoning_tokens, for the client and the log", async () => {
    let translator: ReturnType<typeof anthropicToOpenAIStream> | undefined;
    const make = () => (translator = anthropicToOpenAIStream({ clientWantsUsage: true }));
    const c = chunks(await translate(make, enc.encode(THINKING_STREAM)));
    expect(c.at(-1)!.usage).toMatchObject({ completion_tokens: 120, completion_tokens_details: { reasoning_tokens: 95 } });
    expect(translator!.usage()).toEqual({ promptTokens: 50, completionTokens: 120, cachedTokens: 10, reasoningTokens: 95 });
  });

  it("OpenAI chunks → Anthropic events, in Anthropic's order", async () => {
    const openai = [
      { id: "chatcmpl-1", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { id: "chatcmpl-1", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] },
      { id: "chatcmpl-1", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: '{"a"' } }] }, finish_reason: null }] },
      { id: "chatcmpl-1", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }, finish_reason: null }] },
      { id: "chatcmpl-1", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
      { id: "chatcmpl-1", choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } },
    ];
    const bytes = enc.encode(openai.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n");
    const out = await translate(() => openAIToAnthropicStream("openai/gpt-4o-mini"), bytes);
    expect(out.map((e) => e.event)).toEqual([
      "message_start", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    const delta = JSON.parse(out.at(-2)!.data);
    expect(delta).toEqual({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } });
  });
});

describe("stream transforms are independent of byte boundaries", () => {
  const cases = [
    ["Anthropic → OpenAI (tools)", TOOL_STREAM],
    ["Anthropic → OpenAI (thinking)", THINKING_STREAM],
  ] as const;
  const make = () => anthropicToOpenAIStream({ clientWantsUsage: true });

  for (const [name, text] of cases) {
    it(`${name}: every single split and 200 seeded multi-splits give identical events`, async () => {
      const bytes = enc.encode(text);
      const whole = await translate(make, bytes);
      for (let cut = 1; cut < bytes.length; cut += 1) expect(await translate(make, bytes, [cut]), `cut ${cut}`).toEqual(whole);
      for (const cuts of seededCuts(7, bytes.length, 200)) expect(await translate(make, bytes, cuts)).toEqual(whole);
    });
  }

  it("OpenAI → Anthropic: every split gives identical events", async () => {
    const lines = [
      { id: "c", choices: [{ index: 0, delta: { role: "assistant", content: "héllo 🌍" }, finish_reason: null }] },
      { id: "c", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      { id: "c", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ];
    const bytes = enc.encode(lines.map((l) => `data: ${JSON.stringify(l)}\r\n\r\n`).join("") + "data: [DONE]\r\n\r\n");
    const toAnthropic = () => openAIToAnthropicStream("m");
    const whole = await translate(toAnthropic, bytes);
    expect(whole.at(-1)!.event).toBe("message_stop");
    for (let cut = 1; cut < bytes.length; cut++) expect(await translate(toAnthropic, bytes, [cut]), `cut ${cut}`).toEqual(whole);
  });
});
