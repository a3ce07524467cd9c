/**
 * The public request format of POST /v1/chat/completions: OpenAI's Chat
 * Completions API. Unknown top-level fields are rejected with 400 naming the
 * field, as OpenAI does, so nothing a client sends is silently ignored and no
 * unvetted field can reach an upstream. Message parts are as strict: exactly the
 * fields OpenAI's API accepts (so what a client received can be sent back), minus
 * references into the operator's provider account. Adapters decide what their
 * provider can honour.
 */
import { routingFields } from "./routing-fields";
import { z } from "zod";
import { FILE_REFERENCE_CODE, jsonObject, SEND_INLINE } from "./schema-guards";

/**
 * Most messages accepted in one request: the bound OpenAI's API applies
 * ("'$.messages' is too long. Maximum length is 2048"). Checked before the
 * messages themselves are validated, so a huge list costs no more than its parse.
 */
export const MAX_CHAT_MESSAGES = 2_048;
/** Most tools OpenAI accepts in one request. */
export const MAX_CHAT_TOOLS = 128;

/** OpenAI's explicit prompt-cache breakpoint on a content part. */
const cacheBreakpoint = z.object({ mode: z.literal("explicit"), ttl: z.enum(["30m", "12h"]).optional() }).strict().optional();

const textPart = z.object({ type: z.literal("text"), text: z.string(), prompt_cache_breakpoint: cacheBreakpoint }).strict();
const imagePart = z
  .object({
    type: z.literal("image_url"),
    image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high", "original"]).optional() }).strict(),
    prompt_cache_breakpoint: cacheBreakpoint,
  })
  .strict();
const audioPart = z
  .object({
    type: z.literal("input_audio"),
    input_audio: z.object({ data: z.string(), format: z.string() }).strict(),
    prompt_cache_breakpoint: cacheBreakpoint,
  })
  .strict();
/**
 * A file sent inline (`file_data`, a base64 data URL, with its `filename`). A
 * `file_id` names a file uploaded to the provider account the router calls
 * with, the operator's, so it is refused.
 */
const filePart = z
  .object({
    type: z.literal("file"),
    file: z
      .object({ file_data: z.string().min(1).optional(), file_id: z.string().optional(), filename: z.string().optional() })
      .strict()
      .superRefine((file, ctx) => {
        if (file.file_id !== undefined) {
          ctx.addIssue({ code: "custom", path: ["file_id"], message: `file ids are not accepted: ${SEND_INLINE} as 'file_data' (a base64 data URL) with a 'filename'.`, params: { code: FILE_REFERENCE_CODE } });
        } else if (file.file_data === undefined) {
          ctx.addIssue({ code: "custom", path: ["file_data"], message: "a file part needs 'file_data' (a base64 data URL)." });
        }
      }),
    prompt_cache_breakpoint: cacheBreakpoint,
  })
  .strict();
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() }).strict();

const userContent = z.union([z.string(), z.array(z.discriminatedUnion("type", [textPart, imagePart, audioPart, filePart])).min(1)]);
const textContent = z.union([z.string(), z.array(textPart).min(1)]);

const toolCall = z
  .object({
    /** Position in a streamed answer; clients that assemble stream deltas send it back, and OpenAI takes it. */
    index: z.number().int().nonnegative().optional(),
    id: z.string(),
    type: z.literal("function"),
    function: z.object({ name: z.string(), arguments: z.string() }).strict(),
    /** Google's OpenAI-compatibility field for Gemini's thought signatures (extra_content.google). */
    extra_content: jsonObject.optional(),
  })
  .strict();

const urlCitation = z
  .object({
    type: z.literal("url_citation"),
    url_citation: z.object({ start_index: z.number().int(), end_index: z.number().int(), title: z.string(), url: z.string() }).strict(),
  })
  .strict();

const thinkingBlock = z.discriminatedUnion("type", [
  z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }).strict(),
  z.object({ type: z.literal("redacted_thinking"), data: z.string() }).strict(),
]);

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: textContent, name: z.string().optional() }).strict(),
  z.object({ role: z.literal("developer"), content: textContent, name: z.string().optional() }).strict(),
  z.object({ role: z.literal("user"), content: userContent, name: z.string().optional() }).strict(),
  z
    .object({
      role: z.literal("assistant"),
      content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textPart, refusalPart])), z.null()]).optional(),
      name: z.string().optional(),
      refusal: z.string().nullable().optional(),
      tool_calls: z.array(toolCall).optional(),
      function_call: z.object({ name: z.string(), arguments: z.string() }).nullable().optional(),
      audio: z.object({ id: z.string() }).nullable().optional(),
      /** Web-search citations of an earlier answer, sent back with it; output metadata, not sent upstream. */
      annotations: z.array(urlCitation).optional(),
      /**
       * Extensions for reasoning models, as other OpenAI-compatible gateways
       * spell them: the reasoning text of an earlier turn, and Anthropic's signed
       * thinking blocks, which must be sent back unchanged for multi-turn tool use.
       * (Gemini's thought signatures ride on tool calls: extra_content.google.)
       */
      reasoning_content: z.string().nullable().optional(),
      thinking_blocks: z.array(thinkingBlock).optional(),
    })
    .strict(),
  z.object({ role: z.literal("tool"), content: textContent, tool_call_id: z.string() }).strict(),
  z.object({ role: z.literal("function"), content: z.string().nullable(), name: z.string() }).strict(),
]);

const functionTool = z
  .object({
    type: z.literal("function"),
    function: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
        description: z.string().optional(),
        parameters: jsonObject.optional(),
        strict: z.boolean().nullable().optional(),
      })
      .strict(),
  })
  .strict();

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }).strict() }).strict(),
]);

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }).strict(),
  z.object({ type: z.literal("json_object") }).strict(),
  z
    .object({
      type: z.literal("json_schema"),
      json_schema: z
        .object({
          name: z.string(),
          description: z.string().optional(),
          schema: jsonObject.optional(),
          strict: z.boolean().nullable().optional(),
        })
        .strict(),
    })
    .strict(),
]);

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullable();

export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(chatMessageSchema).min(1).max(MAX_CHAT_MESSAGES),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() }).strict().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    n: z.number().int().min(1).max(128).nullable().optional(),
    stop: stop.optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    seed: z.number().int().nullable().optional(),
    logit_bias: z.record(z.string(), z.number()).nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    tools: z.array(functionTool).max(MAX_CHAT_TOOLS).optional(),
    tool_choice: toolChoice.optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: responseFormat.optional(),
    reasoning_effort: z.enum(["minimal", "low", "medium", "high"]).nullable().optional(),
    user: z.string().optional(),
    safety_identifier: z.string().optional(),
    prompt_cache_key: z.string().optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    store: z.boolean().nullable().optional(),
    service_tier: z.enum(["auto", "default", "flex", "priority", "scale"]).nullable().optional(),
    modalities: z.array(z.enum(["text", "audio"])).nullable().optional(),
    audio: jsonObject.nullable().optional(),
    prediction: jsonObject.nullable().optional(),
    verbosity: z.enum(["low", "medium", "high"]).nullable().optional(),
    web_search_options: jsonObject.optional(),
    functions: z.array(jsonObject).max(MAX_CHAT_TOOLS).optional(),
    function_call: z.union([z.enum(["none", "auto"]), z.object({ name: z.string() })]).optional(),
    ...routingFields,
  })
  .strict();

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ThinkingBlock = z.infer<typeof thinkingBlock>;
