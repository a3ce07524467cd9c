/**
 * Anthropic Messages API shapes: the request the router accepts on
 * /v1/messages (validated strictly at the top level, so no unvetted field can
 * reach an upstream) and the parts of responses and stream events it reads.
 */
import { z } from "zod";

/** API versions the router speaks with Anthropic (see README, "Anthropic versions"). */
export const ANTHROPIC_VERSIONS = ["2023-06-01", "2026-10-21"] as const;
export type AnthropicVersion = (typeof ANTHROPIC_VERSIONS)[number];
/**
 * Version used when translating OpenAI requests: it still accepts temperature
 * and top_p, and structured outputs (output_config.format) without a beta flag.
 */
export const TRANSLATION_VERSION: AnthropicVersion = "2023-06-01";
/** Sampling fields that version 2026-10-21 rejects. */
export const SAMPLING_FIELDS = ["temperature", "top_p", "top_k"] as const;

const cacheControl = z.object({ type: z.literal("ephemeral"), ttl: z.string().optional() }).loose().nullable().optional();

const textBlock = z.object({ type: z.literal("text"), text: z.string(), cache_control: cacheControl }).loose();
const imageBlock = z
  .object({
    type: z.literal("image"),
    source: z.discriminatedUnion("type", [
      z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
      z.object({ type: z.literal("url"), url: z.string() }).loose(),
    ]),
    cache_control: cacheControl,
  })
  .loose();
const toolUseBlock = z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()), cache_control: cacheControl }).loose();
const toolResultBlock = z
  .object({
    type: z.literal("tool_result"),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.union([textBlock, imageBlock]))]).optional(),
    is_error: z.boolean().optional(),
    cache_control: cacheControl,
  })
  .loose();
const thinkingBlock = z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }).loose();
const redactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string() }).loose();
const documentBlock = z.object({ type: z.literal("document"), source: z.record(z.string(), z.unknown()) }).loose();

export const contentBlockSchema = z.discriminatedUnion("type", [textBlock, imageBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock, documentBlock]);
export type AnthropicContentBlock = z.infer<typeof contentBlockSchema>;

export const messageParamSchema = z.object({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(contentBlockSchema).min(1)]) }).strict();

const toolSchema = z
  .object({ name: z.string().min(1).max(128), description: z.string().optional(), input_schema: z.record(z.string(), z.unknown()), cache_control: cacheControl })
  .loose();

const toolChoiceSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }).strict(),
  z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }).strict(),
  z.object({ type: z.literal("tool"), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }).strict(),
  z.object({ type: z.literal("none") }).strict(),
]);

const thinkingSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("enabled"), budget_tokens: z.number().int().min(1024), display: z.string().optional() }).strict(),
  z.object({ type: z.literal("disabled") }).strict(),
  z.object({ type: z.literal("adaptive"), display: z.string().nullable().optional() }).strict(),
]);

export const messagesRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(messageParamSchema).min(1),
    max_tokens: z.number().int().positive(),
    system: z.union([z.string(), z.array(textBlock)]).optional(),
    metadata: z.object({ user_id: z.string().nullable().optional() }).strict().optional(),
    stop_sequences: z.array(z.string()).optional(),
    stream: z.boolean().optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().positive().optional(),
    tools: z.array(toolSchema).optional(),
    tool_choice: toolChoiceSchema.optional(),
    thinking: thinkingSchema.optional(),
    service_tier: z.enum(["auto", "standard_only"]).optional(),
    output_config: z
      .object({ effort: z.enum(["low", "medium", "high", "xhigh", "max"]).nullable().optional(), format: z.record(z.string(), z.unknown()).nullable().optional() })
      .strict()
      .optional(),
    cache_control: cacheControl,
  })
  .strict();

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const anthropicUsageSchema = z
  .object({
    input_tokens: z.number().int().nonnegative().nullable().optional(),
    output_tokens: z.number().int().nonnegative().nullable().optional(),
    cache_creation_input_tokens: z.number().int().nonnegative().nullable().optional(),
    cache_read_input_tokens: z.number().int().nonnegative().nullable().optional(),
    /** Breakdown of output_tokens (inclusive); streaming sends it only on the final message_delta. */
    output_tokens_details: z.object({ thinking_tokens: z.number().int().nonnegative().nullable().optional() }).loose().nullable().optional(),
  })
  .loose();
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

export const anthropicMessageSchema = z
  .object({
    id: z.string(),
    type: z.literal("message"),
    role: z.literal("assistant"),
    model: z.string(),
    content: z.array(z.object({ type: z.string() }).loose()),
    stop_reason: z.string().nullable(),
    stop_sequence: z.string().nullable().optional(),
    usage: anthropicUsageSchema,
  })
  .loose();
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

/** Stream events, checked only as far as the router reads them. */
export const streamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message_start"), message: anthropicMessageSchema.partial().extend({ usage: anthropicUsageSchema.optional() }) }).loose(),
  z.object({ type: z.literal("content_block_start"), index: z.number(), content_block: z.object({ type: z.string() }).loose() }).loose(),
  z.object({ type: z.literal("content_block_delta"), index: z.number(), delta: z.object({ type: z.string() }).loose() }).loose(),
  z.object({ type: z.literal("content_block_stop"), index: z.number() }).loose(),
  z.object({ type: z.literal("message_delta"), delta: z.object({ stop_reason: z.string().nullable().optional(), stop_sequence: z.string().nullable().optional() }).loose(), usage: anthropicUsageSchema.optional() }).loose(),
  z.object({ type: z.literal("message_stop") }).loose(),
  z.object({ type: z.literal("ping") }).loose(),
  z.object({ type: z.literal("error"), error: z.object({ type: z.string(), message: z.string() }).loose() }).loose(),
]);
export type AnthropicStreamEvent = z.infer<typeof streamEventSchema>;
