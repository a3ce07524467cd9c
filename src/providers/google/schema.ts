/**
 * The parts of Gemini's `GenerateContentResponse` (REST v1beta) the router reads,
 * checked with loose objects: Google adds fields often, and an unknown field must
 * not fail a response. Streaming chunks have the same shape as the full response.
 */
import { z } from "zod";

export const geminiPartSchema = z
  .object({
    text: z.string().optional(),
    /** True on a thought summary: reasoning text, not the answer. */
    thought: z.boolean().optional(),
    /** Opaque signature of the model's reasoning; must go back with the part it came on. */
    thoughtSignature: z.string().optional(),
    functionCall: z.object({ name: z.string(), args: z.record(z.string(), z.unknown()).optional() }).loose().optional(),
  })
  .loose();

export const geminiUsageSchema = z
  .object({
    promptTokenCount: z.number().int().nonnegative().optional(),
    candidatesTokenCount: z.number().int().nonnegative().optional(),
    thoughtsTokenCount: z.number().int().nonnegative().optional(),
    cachedContentTokenCount: z.number().int().nonnegative().optional(),
    toolUsePromptTokenCount: z.number().int().nonnegative().optional(),
    totalTokenCount: z.number().int().nonnegative().optional(),
  })
  .loose();

export const geminiCandidateSchema = z
  .object({
    content: z.object({ role: z.string().optional(), parts: z.array(geminiPartSchema).optional() }).loose().optional(),
    finishReason: z.string().optional(),
    index: z.number().int().nonnegative().optional(),
  })
  .loose();

export const geminiResponseSchema = z
  .object({
    candidates: z.array(geminiCandidateSchema).optional(),
    promptFeedback: z.object({ blockReason: z.string().optional() }).loose().optional(),
    usageMetadata: geminiUsageSchema.optional(),
    modelVersion: z.string().optional(),
    responseId: z.string().optional(),
  })
  .loose();

export type GeminiPart = z.infer<typeof geminiPartSchema>;
export type GeminiUsage = z.infer<typeof geminiUsageSchema>;
export type GeminiCandidate = z.infer<typeof geminiCandidateSchema>;
export type GeminiResponse = z.infer<typeof geminiResponseSchema>;
