/**
 * The pieces behind billing an abandoned stream: what counts as generated
 * text in each wire format, and how the router's count and the provider's
 * partial report combine.
 */
import { describe, expect, it } from "vitest";
import { CATALOGUE, findModel } from "../src/providers/catalogue";
import { GeneratedText, addAnthropicEvent, addOpenAIChunk } from "../src/providers/generated";
import type { CallOutcome } from "../src/providers/types";
import { withAbandonedUsage } from "../src/router/abandoned-usage";
import { preloadTokenizer } from "./helpers/tokenizer";

preloadTokenizer();

const collect = (add: (into: GeneratedText) => void) => {
  const into = new GeneratedText();
  add(into);
  return into.text();
};

describe("generated text", () => {
  it("takes content, reasoning, refusals and tool names and arguments from OpenAI-format chunks, every choice", () => {
    const text = collect((into) => {
      addOpenAIChunk({ choices: [{ index: 0, delta: { role: "assistant", content: "Hel" } }, { index: 1, delta: { content: "lo" } }] }, into);
      addOpenAIChunk({ choices: [{ delta: { reasoning_content: "[think]", refusal: "[no]" } }] }, into);
      addOpenAIChunk({ choices: [{ delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "get_weather", arguments: "" } }] } }] }, into);
      addOpenAIChunk({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] } }] }, into);
      // Mistral: content as an array of text and thinking chunks.
      addOpenAIChunk({ choices: [{ delta: { content: [{ type: "thinking", thinking: [{ type: "text", text: "[m-think]" }] }, { type: "text", text: "[m]" }] } }] }, into);
      // Not generated text: usage, finish, ids, and anything that is not a chunk.
      addOpenAIChunk({ id: "chatcmpl-x", choices: [{ delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 1 } }, into);
      addOpenAIChunk(undefined, into);
      addOpenAIChunk("[DONE]", into);
    });
    expect(text).toBe('Hello[think][no]get_weather{"city":"Paris"}[m-think][m]');
  });

  it("takes text, thinking, tool names and input JSON from Anthropic events", () => {
    const text = collect((into) => {
      addAnthropicEvent({ type: "message_start", message: { id: "msg_1", usage: { input_tokens: 9 } } }, into);
      addAnthropicEvent({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }, into);
      addAnthropicEvent({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "[think]" } }, into);
      addAnthropicEvent({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "SIG" } }, into);
      addAnthropicEvent({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hi" } }, into);
      addAnthropicEvent({ type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} } }, into);
      addAnthropicEvent({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"city":' } }, into);
      addAnthropicEvent({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 20 } }, into);
    });
    expect(text).toBe('[think]Higet_weather{"city":');
  });

  it("keeps every delta of a long stream, in order", () => {
    const words = Array.from({ length: 1_000 }, (_, i) => `${i} `);
    expect(collect((into) => words.forEach((w) => into.add(w)))).toBe(words.join(""));
  });
});

describe("usage of an abandoned stream", () => {
  const reservation = { promptTokens: 40, completionTokens: 1_000 };
  const aborted = (usage: CallOutcome["usage"], generated: string): CallOutcome => ({ usage, result: "client_aborted", firstByteAt: 1, generated });

  it("without a report: the prompt estimate and the count (OpenAI's tokenizer for OpenAI models, characters/4 otherwise)", async () => {
    const text = "Hello, world! ".repeat(10); // 140 characters, 41 tokens in OpenAI's o200k_base
    const openai = await withAbandonedUsage(aborted(null, text), findModel("openai/gpt-4o-mini")!, reservation);
    expect(openai.usage).toEqual({ promptTokens: 40, completionTokens: 41, cachedTokens: 0, reasoningTokens: 0 });
    const mistral = await withAbandonedUsage(aborted(null, text), findModel("mistral/mistral-small-latest")!, reservation);
    expect(mistral.usage).toEqual({ promptTokens: 40, completionTokens: 35, cachedTokens: 0, reasoningTokens: 0 });
    expect([openai.usageEstimated, mistral.usageEstimated]).toEqual([true, true]);
    expect("generated" in openai).toBe(false);
  });

  it("with a partial report: the provider's prompt count and cache, the larger completion count", async () => {
    const model = CATALOGUE.find((m) => m.provider === "anthropic")!;
    const partial = await withAbandonedUsage(aborted({ promptTokens: 12, completionTokens: 1, cachedTokens: 4, reasoningTokens: 0 }, "x".repeat(80)), model, reservation);
    expect(partial.usage).toEqual({ promptTokens: 12, completionTokens: 20, cachedTokens: 4, reasoningTokens: 0 });
    expect(partial.usageEstimated).toBe(true);
  });

  it("the router's count never passes the completion maximum reserved; the provider's own larger count is kept", async () => {
    const model = findModel("mistral/mistral-small-latest")!;
    const text = "x".repeat(8_000); // 2,000 tokens at ~4 characters per token, past the 1,000 reserved
    expect((await withAbandonedUsage(aborted(null, text), model, reservation)).usage?.completionTokens).toBe(1_000);
    const reported = { promptTokens: 12, completionTokens: 1_200, cachedTokens: 0, reasoningTokens: 0 };
    expect((await withAbandonedUsage(aborted(reported, text), model, reservation)).usage?.completionTokens).toBe(1_200);
  });

  it("with the provider's final usage already in: kept as reported, not marked estimated", async () => {
    const model = findModel("mistral/mistral-small-latest")!;
    const usage = { promptTokens: 12, completionTokens: 30, cachedTokens: 0, reasoningTokens: 0 };
    const final = await withAbandonedUsage(aborted(usage, "x".repeat(80)), model, reservation);
    expect(final.usage).toEqual(usage);
    expect(final.usageEstimated).toBe(false);
  });

  it("an upstream failure after the stream started: billed for what was generated, marked estimated", async () => {
    const text = "Hello, world! ".repeat(10); // 41 tokens in o200k_base
    const failed: CallOutcome = { usage: null, result: "upstream_error", firstByteAt: 1, generated: text };
    const outcome = await withAbandonedUsage(failed, findModel("openai/gpt-4o-mini")!, reservation);
    expect(outcome).toMatchObject({ result: "upstream_error", usage: { promptTokens: 40, completionTokens: 41, cachedTokens: 0, reasoningTokens: 0 }, usageEstimated: true });
  });

  it("leaves completed calls, and failures with nothing generated, as they are", async () => {
    const model = findModel("openai/gpt-4o-mini")!;
    const completed: CallOutcome = { usage: { promptTokens: 3, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 }, result: "completed", firstByteAt: 1 };
    const failed: CallOutcome = { usage: null, result: "upstream_error", firstByteAt: null };
    expect(await withAbandonedUsage(completed, model, reservation)).toBe(completed);
    expect(await withAbandonedUsage(failed, model, reservation)).toBe(failed);
  });
});
