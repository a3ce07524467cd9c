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
