/**
 * The OpenAI-format stream translator reads an event's `parsed` (set by a
 * wrapper that already parsed the chunk, the Azure route's) instead of
 * parsing `data` again, and checks it as it checks its own parse. The data
 * here is deliberately not JSON: only `parsed` can make it read as a chunk.
 */
import { describe, expect, it } from "vitest";
import { openAIStreamTranslator } from "../src/providers/openai-compatible/stream";

const translator = () => openAIStreamTranslator({ label: "OpenAI", clientWantsUsage: true, usageMode: "usage-chunk" });
const UNPARSABLE = "not JSON {";
const content = { id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] };
const usageChunk = (usage: object) => ({ id: "c1", object: "chat.completion.chunk", choices: [], usage });

describe("an event with parsed set is not parsed again", () => {
  it("its content commits the stream and counts as generated; the event goes on with its data as it came", () => {
    const t = translator();
    const event = { data: UNPARSABLE, parsed: content };
    expect(t.push([event]).map((e) => e.data)).toEqual([UNPARSABLE]);
    expect(t.committed()).toBe(true);
    expect(t.generated?.()).toBe("Hi");
  });

  it("without parsed, the same data reads as nothing: the difference is parsed's", () => {
    const t = translator();
    t.push([{ data: UNPARSABLE }]);
    expect(t.committed()).toBe(false);
    expect(t.generated?.()).toBe("");
  });

  it("its usage is counted when it fits the schema and not when it does not", () => {
    const valid = translator();
    valid.push([{ data: UNPARSABLE, parsed: usageChunk({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }) }]);
    expect(valid.usage()).toEqual({ promptTokens: 5, completionTokens: 3, cachedTokens: 0, reasoningTokens: 0 });
    const invalid = translator();
    invalid.push([{ data: UNPARSABLE, parsed: usageChunk({ prompt_tokens: -1, completion_tokens: "3" }) }]);
    expect(invalid.usage()).toBeNull();
  });

  it("an error object in parsed is the upstream's error", () => {
    const t = translator();
    const out = t.push([{ data: UNPARSABLE, parsed: { error: { message: "x", type: "server_error", code: "server_error" } } }]);
    expect(t.failure()).not.toBeNull();
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!.data)).toMatchObject({ error: { type: "upstream_error" } });
  });
});
