/**
 * Token reservation made at admission, before the real usage is known. It is
 * settled to the real usage when the request ends. Deliberately generous on the
 * prompt (≈4 characters per token; images and documents at a flat rate, never
 * by their encoded bytes) so reservations rarely undershoot. The completion
 * part is what the model can produce at most: the requested maximum, never
 * above the model's documented maximum output, per choice. The prompt part is kept apart: an abandoned stream whose provider
 * reported no usage is billed with it.
 */
import type { ChatCompletionRequest } from "../providers/chat-schema";
import { estimateTextTokens } from "../providers/count-tokens";
import type { ModelEntry } from "../providers/types";

/** Completion tokens reserved when the client sets no maximum (or the model's maximum, if lower). */
export const DEFAULT_COMPLETION_RESERVATION = 1_024;
const TOKENS_PER_IMAGE = 1_000;
/**
 * A PDF (inline or by URL). Anthropic bills a PDF as its text plus an image of
 * each page, typically 1,500-3,000 tokens a page (Anthropic's "PDF support"
 * documentation); the page count is not known without parsing the file, so
 * the reservation is one dense page, and the real usage settles it.
 */
const TOKENS_PER_DOCUMENT = 3_000;
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
    if (part.type === "text" && typeof part.text === "string") tokens += estimateTextTokens(part.text.length);
    else tokens += part.type === "file" ? TOKENS_PER_DOCUMENT : TOKENS_PER_IMAGE;
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

/** A block whose data the provider reads as an image or a file, whatever its size in bytes. */
function flatRate(value: unknown): number | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const { type, source } = value as { type?: unknown; source?: { type?: unknown } };
  if (typeof source !== "object" || source === null) return null;
  if (type === "image") return TOKENS_PER_IMAGE;
  // A plain-text or content-block document is text (its images are counted on their own).
  if (type === "document" && (source.type === "base64" || source.type === "url")) return TOKENS_PER_DOCUMENT;
  return null;
}

/**
 * Reservation for an Anthropic Messages request passed through unchanged:
 * everything as JSON text at ~4 characters per token (generous: keys and
 * punctuation count too), except image and PDF blocks, at any depth (inside
 * tool results too), which count at their flat rate instead of their base64.
 */
export function estimateMessagesTokens(
  request: { messages: unknown; system?: unknown; tools?: unknown; max_tokens: number },
  model: ModelEntry,
): Reservation {
  let flat = 0;
  const text = JSON.stringify([request.system ?? "", request.messages, request.tools ?? []], (_key, value: unknown) => {
    const tokens = flatRate(value);
    if (tokens === null) return value;
    flat += tokens;
    return undefined;
  });
  const prompt = estimateTextTokens(text.length) + flat;
  return { promptTokens: prompt, completionTokens: completionReservation(model, request.max_tokens, 1) };
}
