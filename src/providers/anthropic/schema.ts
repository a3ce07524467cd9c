/**
 * Anthropic Messages API shapes: the request the router accepts on
 * /v1/messages (validated strictly at the top level, so no unvetted field can
 * reach an upstream) and the parts of responses and stream events it reads.
 */
import { routingFields } from "../routing-fields";
import { z } from "zod";
import { jsonObject, refusedReference, SEND_INLINE } from "../schema-guards";

/** API versions the router speaks with Anthropic (see docs/providers.md, "Versions"). */
export const ANTHROPIC_VERSIONS = ["2023-06-01", "2026-10-21"] as const;
export type AnthropicVersion = (typeof ANTHROPIC_VERSIONS)[number];
/**
 * Version used when translating OpenAI requests: it still accepts temperature
 * and top_p, and structured outputs (output_config.format) without a beta flag.
 */
export const TRANSLATION_VERSION: AnthropicVersion = "2023-06-01";
/** Sampling fields that version 2026-10-21 rejects. */
export const SAMPLING_FIELDS = ["temperature", "top_p", "top_k"] as const;

/** Most messages Anthropic's Messages API accepts in one request (its API reference: 100,000). */
export const MAX_ANTHROPIC_MESSAGES = 100_000;

const cacheControl = z.object({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() }).strict().nullable().optional();

/**
 * Content blocks accept exactly the fields Anthropic documents for the block
 * types the router supports (so a response's blocks can be sent back as they
 * came), minus anything that points into the operator's Anthropic account:
 * uploaded files (`source.type: "file"`, `container_upload`), server tools and
 * MCP toolsets, whose blocks are not accepted at all.
 */
const fileSource = (what: string) => refusedReference("file", `${what} with source type 'file' are not accepted: ${SEND_INLINE} (source type 'base64', 'text' or 'url').`);
/** Responses carry `file_id: null` on citations; a real id would name an operator's file. */
const citedFile = z.null({ error: `file ids are not accepted in citations: ${SEND_INLINE}.` }).optional();
const citation = z.discriminatedUnion("type", [
  z.object({ type: z.literal("char_location"), cited_text: z.string(), document_index: z.number().int(), document_title: z.string().nullable(), start_char_index: z.number().int(), end_char_index: z.number().int(), file_id: citedFile }).strict(),
  z.object({ type: z.literal("page_location"), cited_text: z.string(), document_index: z.number().int(), document_title: z.string().nullable(), start_page_number: z.number().int(), end_page_number: z.number().int(), file_id: citedFile }).strict(),
  z.object({ type: z.literal("content_block_location"), cited_text: z.string(), document_index: z.number().int(), document_title: z.string().nullable(), start_block_index: z.number().int(), end_block_index: z.number().int(), file_id: citedFile }).strict(),
  z.object({ type: z.literal("web_search_result_location"), cited_text: z.string(), encrypted_index: z.string(), title: z.string().nullable(), url: z.string() }).strict(),
  z.object({ type: z.literal("search_result_location"), cited_text: z.string(), search_result_index: z.number().int(), source: z.string(), title: z.string().nullable(), start_block_index: z.number().int(), end_block_index: z.number().int() }).strict(),
]);
const citationsConfig = z.object({ enabled: z.boolean().optional() }).strict();

const textBlock = z.object({ type: z.literal("text"), text: z.string(), cache_control: cacheControl, citations: z.array(citation).nullable().optional() }).strict();
const imageBlock = z
  .object({
    type: z.literal("image"),
    source: z.discriminatedUnion("type", [
      z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).strict(),
      z.object({ type: z.literal("url"), url: z.string() }).strict(),
      fileSource("Images"),
    ]),
    cache_control: cacheControl,
  })
  .strict();
const documentBlock = z
  .object({
    type: z.literal("document"),
    source: z.discriminatedUnion("type", [
      z.object({ type: z.literal("base64"), media_type: z.literal("application/pdf"), data: z.string() }).strict(),
      z.object({ type: z.literal("text"), media_type: z.literal("text/plain"), data: z.string() }).strict(),
      z.object({ type: z.literal("url"), url: z.string() }).strict(),
      z.object({ type: z.literal("content"), content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textBlock, imageBlock]))]) }).strict(),
      fileSource("Documents"),
    ]),
    cache_control: cacheControl,
    citations: citationsConfig.nullable().optional(),
    context: z.string().nullable().optional(),
    title: z.string().nullable().optional(),
  })
  .strict();
const searchResultBlock = z
  .object({ type: z.literal("search_result"), source: z.string(), title: z.string(), content: z.array(textBlock), cache_control: cacheControl, citations: citationsConfig.optional() })
  .strict();
const toolUseBlock = z
  .object({
    type: z.literal("tool_use"),
    id: z.string(),
    name: z.string(),
    input: jsonObject,
    cache_control: cacheControl,
    // Responses name the caller; only direct calls exist without server tools.
    caller: z.object({ type: z.literal("direct") }).strict().optional(),
  })
  .strict();
const toolResultBlock = z
  .object({
    type: z.literal("tool_result"),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock, searchResultBlock]))]).optional(),
    is_error: z.boolean().optional(),
    cache_control: cacheControl,
  })
  .strict();
const thinkingBlock = z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }).strict();
const redactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string() }).strict();
/** Puts an uploaded file (by id) into a code-execution container: operator-scoped, refused. */
const containerUploadBlock = refusedReference("container_upload", `'container_upload' blocks are not accepted: ${SEND_INLINE}.`);

export const contentBlockSchema = z.discriminatedUnion("type", [
  textBlock,
  imageBlock,
  documentBlock,
  searchResultBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
  containerUploadBlock,
]);
export type AnthropicContentBlock = z.infer<typeof contentBlockSchema>;

export const messageParamSchema = z.object({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(contentBlockSchema).min(1)]) }).strict();

/**
 * Client tools only (`type` absent or `custom`). Server tools (web search, code
 * execution, ...) and MCP toolsets are refused: they act with, and are billed
 * to, the operator's account in ways the router does not meter.
 */
const toolSchema = z
  .object({
    type: z.literal("custom").nullable().optional(),
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    input_schema: jsonObject,
    cache_control: cacheControl,
    strict: z.boolean().optional(),
    eager_input_streaming: z.boolean().nullable().optional(),
    input_examples: z.array(jsonObject).optional(),
  })
  .strict();

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
    messages: z.array(messageParamSchema).min(1).max(MAX_ANTHROPIC_MESSAGES),
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
      .object({ effort: z.enum(["low", "medium", "high", "xhigh", "max"]).nullable().optional(), format: jsonObject.nullable().optional() })
      .strict()
      .optional(),
    cache_control: cacheControl,
    ...routingFields,
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
