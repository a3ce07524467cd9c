/**
 * The translations to Anthropic's stream and to Responses events read common
 * OpenAI chunks by hand (src/router/messages/openai-chunk.ts): each must answer
 * as its chunkSchema does,
 * same acceptance and same values, for every chunk, including values of the
 * wrong type in each field the translation reads. If the schema changes and
 * the hand check does not, this fails.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { chunkSchema, readChunk, readChunkWith } from "../src/router/messages/openai-chunk";
import { chunkSchema as responsesChunkSchema } from "../src/router/responses/stream";

/** Values of every kind, tried in each field. */
const POOL: unknown[] = [undefined, null, true, 0, 1, "", "x", "stop", [], [{}], {}, { content: "x" }];

const envelope = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" };
const choice = (delta: unknown, finish: unknown = null, extra: Record<string, unknown> = {}) => ({ index: 0, delta, logprobs: null, finish_reason: finish, ...extra });
const BASES: [string, Record<string, unknown>][] = [
  ["role", { ...envelope, choices: [choice({ role: "assistant", content: "" })] }],
  ["text", { ...envelope, choices: [choice({ content: "Hello" })] }],
  ["reasoning", { ...envelope, choices: [choice({ reasoning_content: "Hmm" })] }],
  ["finish", { ...envelope, choices: [choice({}, "stop")] }],
  ["usage null", { ...envelope, choices: [choice({ content: "a" })], usage: null }],
  ["usage", { ...envelope, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }],
  ["two choices", { ...envelope, choices: [choice({ content: "a" }), { ...choice({ content: "b" }), index: 1 }] }],
  ["tool call", { ...envelope, choices: [choice({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: "{}" } }] })] }],
  ["thinking blocks", { ...envelope, choices: [choice({ thinking_blocks: [{ type: "thinking", thinking: "t", signature: "s" }] })] }],
  ["error", { error: { message: "boom", code: "upstream_unavailable" } }],
  ["no choices", { ...envelope }],
];

/** Every field the schema names, as a path from the chunk. */
const FIELDS: (string | number)[][] = [
  ["id"], ["choices"], ["usage"], ["error"], ["error", "message"], ["error", "code"],
  ["choices", 0], ["choices", 0, "finish_reason"], ["choices", 0, "delta"],
  ["choices", 0, "delta", "content"], ["choices", 0, "delta", "reasoning_content"], ["choices", 0, "delta", "tool_calls"], ["choices", 0, "delta", "thinking_blocks"],
  ["choices", 1], ["choices", 1, "delta", "content"],
];

function withValue(base: Record<string, unknown>, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== "object" || at[key] === null) return copy;
    at = at[key] as Record<string | number, unknown>;
  }
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

const READERS: [string, z.ZodType, (json: unknown) => unknown][] = [
  ["Anthropic translation", chunkSchema, readChunk],
  ["Responses translation", responsesChunkSchema, (json) => readChunkWith(json, responsesChunkSchema)],
];

describe.each(READERS)("the hand-read OpenAI chunk, %s", (_name, schema, read) => {
  function agree(value: unknown, label: string): boolean {
    const parsed = schema.safeParse(value);
    expect(read(value), label).toEqual(parsed.success ? parsed.data : null);
    return parsed.success;
  }

  it("answers as its schema on each base chunk, and accepts them all", () => {
    for (const [label, base] of BASES) expect(agree(base, label)).toBe(true);
  });

  it("answers as its schema with every value in every field", () => {
    let rejected = 0;
    for (const [label, base] of BASES) {
      for (const path of FIELDS) {
        for (const value of POOL) if (!agree(withValue(base, path, value), `${label}: ${path.join(".")} = ${JSON.stringify(value)}`)) rejected++;
      }
    }
    // The pool does reach the schema's refusals, so agreeing is not trivially "accept everything".
    expect(rejected).toBeGreaterThan(100);
  });

  it("answers as its schema on what is not a chunk", () => {
    for (const value of [undefined, null, 0, "x", [], [envelope], true]) agree(value, JSON.stringify(value) ?? "undefined");
  });

  it("hands back the chunk itself when it reads it by hand (no copy)", () => {
    const chunk = BASES[1]![1];
    expect(read(chunk)).toBe(chunk);
  });
});
