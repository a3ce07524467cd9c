/**
 * The public request format of POST /v1/chat/completions: OpenAI's Chat
 * Completions API. Unknown top-level fields are rejected with 400 naming the
 * field, as OpenAI does, so nothing a client sends is silently ignored and no
 * unvetted field can reach an upstream. Message parts are validated for shape;
 * adapters decide what their provider can honour.
 */
import { z } from "zod";

const textPart = z.object({ type: z.literal("text"), text: z.string() }).loose();
const imagePart = z
  .object({
    type: z.literal("image_url"),
    image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }).loose(),
  })
  .loose();
const audioPart = z
  .object({ type: z.literal("input_audio"), input_audio: z.object({ data: z.string(), format: z.string() }).loose() })
  .loose();
const filePart = z.object({ type: z.literal("file"), file: z.record(z.string(), z.unknown()) }).loose();
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() }).loose();

const userContent = z.union([z.string(), z.array(z.discriminatedUnion("type", [textPart, imagePart, audioPart, filePart])).min(1)]);
const textContent = z.union([z.string(), z.array(textPart).min(1)]);

const toolCall = z
  .object({
    id: z.string(),
    type: z.literal("function"),
    function: z.object({ name: z.string(), arguments: z.string() }).loose(),
  })
  .loose();

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
      content: z.union([z.string(), z.array(z.union([textPart, refusalPart])), z.null()]).optional(),
      name: z.string().optional(),
      refusal: z.string().nullable().optional(),
      tool_calls: z.array(toolCall).optional(),
      function_call: z.object({ name: z.string(), arguments: z.string() }).nullable().optional(),
      audio: z.object({ id: z.string() }).nullable().optional(),
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
        parameters: z.record(z.string(), z.unknown()).optional(),
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
          schema: z.record(z.string(), z.unknown()).optional(),
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
    messages: z.array(chatMessageSchema).min(1),
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
    tools: z.array(functionTool).optional(),
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
    audio: z.record(z.string(), z.unknown()).nullable().optional(),
    prediction: z.record(z.string(), z.unknown()).nullable().optional(),
    verbosity: z.enum(["low", "medium", "high"]).nullable().optional(),
    web_search_options: z.record(z.string(), z.unknown()).optional(),
    functions: z.array(z.record(z.string(), z.unknown())).optional(),
    function_call: z.union([z.enum(["none", "auto"]), z.object({ name: z.string() })]).optional(),
  })
  .strict();

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ThinkingBlock = z.infer<typeof thinkingBlock>;
