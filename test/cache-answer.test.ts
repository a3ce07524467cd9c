/**
 * The answer collectors (src/cache/answer.ts) on their own: what a response
 * body must be for its answer to be stored. Everything an answer holds counts
 * toward the entry bound (log probabilities, blocks that arrive whole), and an
 * answer cut off inside a tool call is not complete, streamed or not.
 */
import { describe, expect, it } from "vitest";
import { answerCollector, type Answer } from "../src/cache/answer";
import type { ApiFormat } from "../src/cache/key";
import { CACHE_MAX_ENTRY_BYTES } from "../src/cache/store";

const encoder = new TextEncoder();
const sse = (data: unknown, event?: string) => encoder.encode(`${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

/** The answer a collector makes of `pieces`, each pushed as one read. */
function collect(format: ApiFormat, stream: boolean, pieces: Uint8Array[]): Answer | null {
  const collector = answerCollector(format, stream);
  for (const piece of pieces) collector.push(piece);
  return collector.answer(null);
}

describe("OpenAI", () => {
  const head = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" };
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => sse({ ...head, choices: [{ index: 0, delta, finish_reason: null, ...extra }] });
  const finish = (reason: string) => sse({ ...head, choices: [{ index: 0, delta: {}, finish_reason: reason }] });
  /** One token's log probabilities with 20 alternatives, as `top_logprobs: 20` sends them (about 1.4 kB). */
  const tokenLogprobs = (i: number) => ({
    token: "a", logprob: -0.1, bytes: [97],
    top_logprobs: Array.from({ length: 20 }, (_, j) => ({ token: `alt-${i}-${j}`, logprob: -1.5 - j, bytes: [97, 108, 116, 45, j] })),
  });
  const withLogprobs = (tokens: number) => Array.from({ length: tokens }, (_, i) => chunk({ content: "a" }, { logprobs: { content: [tokenLogprobs(i)] } }));

  it("keeps the log probabilities of an answer within the bound", () => {
    const answer = collect("openai-chat", true, [chunk({ role: "assistant", content: "" }), ...withLogprobs(3), finish("stop"), sse("[DONE]")]);
    expect(answer).toMatchObject({ choices: [{ message: { content: "aaa" }, logprobs: { content: [{ top_logprobs: expect.any(Array) }, {}, {}] } }] });
  });

  it("counts log probabilities toward the bound: a short answer whose log probabilities pass 1 MB is not stored", () => {
    const perToken = JSON.stringify([tokenLogprobs(0)]).length;
    const tokens = Math.ceil(CACHE_MAX_ENTRY_BYTES / perToken) + 10;
    // A few thousand characters of text: only its log probabilities are over the bound.
    expect(tokens).toBeLessThan(2_000);
    expect(collect("openai-chat", true, [chunk({ role: "assistant", content: "" }), ...withLogprobs(tokens), finish("stop"), sse("[DONE]")])).toBeNull();
  });

  it("stops for good when one read carries the part over the bound: the answer's end arriving later does not bring it back", () => {
    const tokens = Math.ceil(CACHE_MAX_ENTRY_BYTES / JSON.stringify([tokenLogprobs(0)]).length) + 10;
    const oneRead = new Uint8Array(withLogprobs(tokens).flatMap((piece) => [...piece]));
    expect(collect("openai-chat", true, [chunk({ role: "assistant", content: "" }), oneRead, finish("stop"), sse("[DONE]")])).toBeNull();
  });

  const toolCall = (args: string) => ({ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: args } });

  it("stores a stream's tool call whose arguments are complete JSON", () => {
    const answer = collect("openai-chat", true, [
      chunk({ role: "assistant", content: null, tool_calls: [toolCall("")] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      finish("tool_calls"), sse("[DONE]"),
    ]);
    expect(answer).toMatchObject({ choices: [{ message: { tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] }, finish_reason: "tool_calls" }] });
  });

  it("does not store a stream cut off by the token limit inside a tool call", () => {
    expect(collect("openai-chat", true, [
      chunk({ role: "assistant", content: null, tool_calls: [toolCall("")] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] }),
      finish("length"), sse("[DONE]"),
    ])).toBeNull();
  });

  it("does not store a stream with a tool call of a type it does not assemble (a custom tool's input streams elsewhere)", () => {
    expect(collect("openai-chat", true, [
      chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_1", type: "custom", custom: { name: "grammar", input: "part one" } }] }),
      chunk({ tool_calls: [{ index: 0, custom: { input: " part two" } }] }),
      finish("tool_calls"), sse("[DONE]"),
    ])).toBeNull();
  });

  const completion = (args: string, reason: string) => encoder.encode(JSON.stringify({
    id: "chatcmpl-1", object: "chat.completion", created: 1, model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: args } }] }, logprobs: null, finish_reason: reason }],
    usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
  }));

  it("stores a JSON answer's complete tool call, and not one cut off inside its arguments", () => {
    expect(collect("openai-chat", false, [completion('{"city": "Paris"}', "tool_calls")])).not.toBeNull();
    expect(collect("openai-chat", false, [completion('{"city": "Pa', "length")])).toBeNull();
  });
});

describe("Anthropic", () => {
  const message = { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 0 } };
  const ev = (type: string, payload: Record<string, unknown> = {}) => sse({ type, ...payload }, type);
  const end = (reason: string) => [ev("message_delta", { delta: { stop_reason: reason, stop_sequence: null }, usage: { output_tokens: 9 } }), ev("message_stop")];
  /** A server tool's result: it arrives whole in content_block_start, with no deltas. */
  const searchResult = (chars: number) => ({
    type: "web_search_tool_result", tool_use_id: "srvtoolu_1",
    content: [{ type: "web_search_result", url: "https://example.com/", title: "t", encrypted_content: "x".repeat(chars) }],
  });
  const withResult = (chars: number) => [
    ev("message_start", { message }),
    ev("content_block_start", { index: 0, content_block: searchResult(chars) }), ev("content_block_stop", { index: 0 }),
    ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
    ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Found it." } }), ev("content_block_stop", { index: 1 }),
    ...end("end_turn"),
  ];

  it("keeps a block that arrives whole within the bound", () => {
    expect(collect("anthropic-messages", true, withResult(1_000))).toMatchObject({ content: [{ type: "web_search_tool_result" }, { type: "text", text: "Found it." }] });
  });

  it("counts blocks that arrive whole toward the bound: a server tool result over 1 MB is not stored", () => {
    expect(collect("anthropic-messages", true, withResult(CACHE_MAX_ENTRY_BYTES + 1))).toBeNull();
  });

  const toolUse = { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} };
  const toolStream = (partials: string[], close: boolean, reason: string) => [
    ev("message_start", { message }),
    ev("content_block_start", { index: 0, content_block: toolUse }),
    ...partials.map((partial) => ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: partial } })),
    ...(close ? [ev("content_block_stop", { index: 0 })] : []),
    ...end(reason),
  ];

  it("stores a stream's complete tool call; not one cut off inside its input, closed or not", () => {
    expect(collect("anthropic-messages", true, toolStream(['{"city": ', '"Paris"}'], true, "tool_use"))).toMatchObject({ content: [{ input: { city: "Paris" } }], stop_reason: "tool_use" });
    expect(collect("anthropic-messages", true, toolStream(['{"city": "Pa'], true, "max_tokens"))).toBeNull();
    expect(collect("anthropic-messages", true, toolStream(['{"city": "Pa'], false, "tool_use"))).toBeNull();
  });

  const json = (reason: string, content: unknown[]) => encoder.encode(JSON.stringify({ ...message, content, stop_reason: reason, usage: { input_tokens: 5, output_tokens: 9 } }));

  it("stores a JSON answer's complete tool call, and not one that max_tokens cut off inside the call", () => {
    expect(collect("anthropic-messages", false, [json("tool_use", [{ ...toolUse, input: { city: "Paris" } }])])).not.toBeNull();
    expect(collect("anthropic-messages", false, [json("max_tokens", [{ type: "text", text: "Let me look." }, { ...toolUse, input: { city: "Pa" } }])])).toBeNull();
    // Cut off in text: a complete answer to a request with that max_tokens.
    expect(collect("anthropic-messages", false, [json("max_tokens", [{ type: "text", text: "Let me" }])])).not.toBeNull();
  });
});
