/**
 * Token reservation made at admission, before the real usage is known. It is
 * settled to the real usage when the request ends. Deliberately generous on the
 * prompt (≈4 characters per token, images at a flat rate) so reservations rarely
 * undershoot. The completion part is what the model can produce at most: the
 * requested maximum, never above the model's documented maximum output, per
 * choice. The prompt part is kept apart: an abandoned stream whose provider
 * reported no usage is billed with it.
 */
import type { ChatCompletionRequest } from "../providers/chat-schema";
import { estimateTextTokens } from "../providers/count-tokens";
import type { ModelEntry } from "../providers/types";

/** Completion tokens reserved when the client sets no maximum (or the model's maximum, if lower). */
export const DEFAULT_COMPLETION_RESERVATION = 1_024;
const TOKENS_PER_IMAGE = 1_000;
const TOKENS_PER_MESSAGE = 4;

export interface Reservation {
  /** The prompt estimate. */
  promptTokens: number;
  /** Most completion tokens the request can produce (all choices). */
  completionTokens: number;
}

export const reservedTokens = (r: Reservation): number => r.promptTokens + r.completionTokens;

function contentTokens(content: unknown): number {
  if (typeof content === "string") return estimateTextTokens(content.length);
  if (!Array.isArray(content)) return 0;
  let tokens = 0;
  for (const part of content as { type?: string; text?: string }[]) {
    tokens += part.type === "text" && typeof part.text === "string" ? estimateTextTokens(part.text.length) : TOKENS_PER_IMAGE;
  }
  return tokens;
}

function completionReservation(model: ModelEntry, requested: number | null | undefined, choices: number): number {
  return Math.min(requested ?? DEFAULT_COMPLETION_RESERVATION, model.maxOutputTokens) * choices;
}

export function estimateTokens(request: ChatCompletionRequest, model: ModelEntry): Reservation {
  let prompt = 0;
  for (const message of request.messages) {
    prompt += TOKENS_PER_MESSAGE + contentTokens("content" in message ? message.content : null);
    if (message.role === "assistant" && message.tool_calls) prompt += estimateTextTokens(JSON.stringify(message.tool_calls).length);
  }
  if (request.tools) prompt += estimateTextTokens(JSON.stringify(request.tools).length);
  const requested = request.max_completion_tokens ?? request.max_tokens;
  return { promptTokens: prompt, completionTokens: completionReservation(model, requested, request.n ?? 1) };
}

/** Reservation for an Anthropic Messages request passed through unchanged. */
export function estimateMessagesTokens(
  request: { messages: unknown; system?: unknown; tools?: unknown; max_tokens: number },
  model: ModelEntry,
): Reservation {
  const prompt = estimateTextTokens(JSON.stringify([request.system ?? "", request.messages, request.tools ?? []]).length);
  return { promptTokens: prompt, completionTokens: completionReservation(model, request.max_tokens, 1) };
}
