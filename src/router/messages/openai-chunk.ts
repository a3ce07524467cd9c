/**
 * Reading an OpenAI-format stream chunk for the translation to Anthropic's
 * events (./to-messages.ts) and to Responses events (../responses/stream.ts). Zod cannot compile its parsers in Workers (no
 * code generation at run time), and checking every chunk of a stream with
 * the schema was the largest part of a translated stream's own cost
 * (docs/performance.md, "Round two"). The common chunk (text or reasoning,
 * a finish, nothing else) is checked by hand; any other goes to the schema.
 */
import { z } from "zod";
import { openAIUsageSchema } from "../../providers/openai-compatible/usage";

/** Google's OpenAI-format convention for a Gemini thought signature on a tool call. */
export const extraContentSchema = z.object({ google: z.object({ thought_signature: z.string().optional() }).loose().optional() }).loose().nullable().optional();

export const chunkSchema = z
  .object({
    id: z.string().optional(),
    choices: z.array(
      z.object({
        delta: z.object({
          content: z.string().nullable().optional(),
          reasoning_content: z.string().nullable().optional(),
          tool_calls: z.array(z.object({ index: z.number(), id: z.string().optional(), function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).loose().optional(), extra_content: extraContentSchema }).loose()).optional(),
        }).loose().optional(),
        finish_reason: z.string().nullable().optional(),
      }).loose(),
    ).optional(),
    usage: openAIUsageSchema.nullable().optional(),
    error: z.object({ message: z.string().optional(), code: z.string().nullable().optional() }).loose().optional(),
  })
  .loose();

export type OpenAIChunk = z.infer<typeof chunkSchema>;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const stringOrNothing = (v: unknown) => v === undefined || v === null || typeof v === "string";

/**
 * True only for a chunk the schema accepts as it is: an object whose id is
 * absent or a string, without usage (null is none), error, tool calls or
 * thinking blocks, whose choices (if any) are objects with a string-or-null
 * finish and a delta (if any) whose text and reasoning are strings or null.
 * The schemas' objects are loose, so their output then holds the same values
 * as the input. (The Responses stream's schema, ../responses/stream.ts,
 * reads the same chunk plus thinking blocks; test/messages-chunk-reader.test.ts
 * holds both.)
 */
function isCommonChunk(json: unknown): boolean {
  if (!isObject(json) || (json.id !== undefined && typeof json.id !== "string")) return false;
  if ((json.usage !== undefined && json.usage !== null) || json.error !== undefined) return false;
  if (json.choices === undefined) return true;
  if (!Array.isArray(json.choices)) return false;
  for (const choice of json.choices) {
    if (!isObject(choice) || !stringOrNothing(choice.finish_reason)) return false;
    const delta = choice.delta;
    if (delta === undefined) continue;
    if (!isObject(delta) || delta.tool_calls !== undefined || delta.thinking_blocks !== undefined || !stringOrNothing(delta.content) || !stringOrNothing(delta.reasoning_content)) return false;
  }
  return true;
}

/**
 * The chunk as `schema` reads it; null when it does not fit. The common
 * chunk is handed back as it is, so `schema` must accept every common chunk
 * unchanged (a loose schema of the same fields, or fewer).
 */
export function readChunkWith<T>(json: unknown, schema: z.ZodType<T>): T | null {
  if (isCommonChunk(json)) return json as T;
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** The chunk as chunkSchema reads it; null when it does not fit. */
export const readChunk = (json: unknown): OpenAIChunk | null => readChunkWith(json, chunkSchema);
