import { z } from "zod";
import type { Usage } from "../types";

/** OpenAI-format usage, as OpenAI and Mistral send it (extra fields tolerated). */
export const openAIUsageSchema = z
  .object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative().optional(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().optional() }).loose().nullable().optional(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().int().nonnegative().optional() }).loose().nullable().optional(),
  })
  .loose();

export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

export function toUsage(u: OpenAIUsage): Usage {
  return {
    promptTokens: u.prompt_tokens,
    completionTokens: u.completion_tokens,
    cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** A non-streaming chat completion, checked only as far as the router reads it. */
export const chatCompletionResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    choices: z.array(z.object({ index: z.number() }).loose()),
    usage: openAIUsageSchema.nullable().optional(),
  })
  .loose();

/** A streamed chunk, checked only where it carries usage. */
export const chatChunkSchema = z
  .object({
    id: z.string().optional(),
    object: z.string().optional(),
    choices: z.array(z.unknown()).optional(),
    usage: openAIUsageSchema.nullable().optional(),
  })
  .loose();

/**
 * Usage as OpenAI's Responses API reports it (on a Response object, and in a
 * stream on the Response of its terminal event). `input_tokens` includes the
 * cached ones, as `prompt_tokens` does.
 */
export const responsesUsageSchema = z
  .object({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    input_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().optional() }).loose().nullable().optional(),
    output_tokens_details: z.object({ reasoning_tokens: z.number().int().nonnegative().optional() }).loose().nullable().optional(),
  })
  .loose();

export function toResponsesUsage(u: z.infer<typeof responsesUsageSchema>): Usage {
  return {
    promptTokens: u.input_tokens,
    completionTokens: u.output_tokens,
    cachedTokens: u.input_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** A Response object (the non-streamed answer, and the `response` of a stream's lifecycle events), checked only as far as the router reads it. */
export const responseObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal("response"),
    status: z.string().optional(),
    usage: responsesUsageSchema.nullish(),
  })
  .loose();
