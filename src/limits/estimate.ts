/**
 * Token reservation made at admission, before the real usage is known. It is
 * settled to the real usage when the request ends. Deliberately generous on the
 * prompt (≈4 characters per token, images at a flat rate) so reservations rarely
 * undershoot; the completion part is the requested maximum.
 */
import type { ChatCompletionRequest } from "../providers/chat-schema";

/** Completion tokens reserved when the client sets no maximum. */
export const DEFAULT_COMPLETION_RESERVATION = 1_024;
const TOKENS_PER_IMAGE = 1_000;
const TOKENS_PER_MESSAGE = 4;

function contentTokens(content: unknown): number {
  if (typeof content === "string") return Math.ceil(content.length / 4);
  if (!Array.isArray(content)) return 0;
  let tokens = 0;
  for (const part of content as { type?: string; text?: string }[]) {
    tokens += part.type === "text" && typeof part.text === "string" ? Math.ceil(part.text.length / 4) : TOKENS_PER_IMAGE;
  }
  return tokens;
}

export function estimateTokens(request: ChatCompletionRequest): number {
  let prompt = 0;
  for (const message of request.messages) {
    prompt += TOKENS_PER_MESSAGE + contentTokens("content" in message ? message.content : null);
    if (message.role === "assistant" && message.tool_calls) prompt += Math.ceil(JSON.stringify(message.tool_calls).length / 4);
  }
  if (request.tools) prompt += Math.ceil(JSON.stringify(request.tools).length / 4);
  const completion = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_COMPLETION_RESERVATION;
  return prompt + completion * (request.n ?? 1);
}

/** Reservation for an Anthropic Messages request passed through unchanged. */
export function estimateMessagesTokens(request: { messages: unknown; system?: unknown; tools?: unknown; max_tokens: number }): number {
  const prompt = Math.ceil(JSON.stringify([request.system ?? "", request.messages, request.tools ?? []]).length / 4);
  return prompt + request.max_tokens;
}
