/**
 * Gemini `GenerateContentResponse` → OpenAI `chat.completion`. Pure; shared
 * pieces (finish reasons, usage, parts) are reused by the stream transform.
 */
import { openAIUsage } from "../usage";
import type { Usage } from "../types";
import type { GeminiCandidate, GeminiPart, GeminiResponse, GeminiUsage } from "./schema";

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

/** Gemini says STOP after function calls too; OpenAI clients look for tool_calls. */
export function finishReasonOf(reason: string, hadToolCalls: boolean): FinishReason {
  if (reason === "MAX_TOKENS") return "length";
  if (FILTERED.has(reason)) return "content_filter";
  return hadToolCalls ? "tool_calls" : "stop";
}

/** Gemini counts thinking apart from the answer; OpenAI's completion tokens include reasoning. */
export function toUsage(u: GeminiUsage): Usage {
  return {
    promptTokens: (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0),
    completionTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
    cachedTokens: u.cachedContentTokenCount ?? 0,
    reasoningTokens: u.thoughtsTokenCount ?? 0,
  };
}

export { openAIUsage };

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
  extra_content?: { google: { thought_signature: string } };
}

export function toToolCall(part: GeminiPart & { functionCall: NonNullable<GeminiPart["functionCall"]> }, id: string): OpenAIToolCall {
  return {
    id,
    type: "function",
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
    ...(part.thoughtSignature ? { extra_content: { google: { thought_signature: part.thoughtSignature } } } : {}),
  };
}

/** Text, thought summaries and function calls of a run of parts, in order. */
export function splitParts(parts: readonly GeminiPart[], newToolCallId: () => string) {
  let content = "";
  let reasoning = "";
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of parts) {
    if (part.functionCall) toolCalls.push(toToolCall({ ...part, functionCall: part.functionCall }, newToolCallId()));
    else if (part.text !== undefined && part.thought) reasoning += part.text;
    else if (part.text !== undefined) content += part.text;
  }
  return { content, reasoning, toolCalls };
}

/** A fresh OpenAI-style tool call id. */
export function randomToolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  newToolCallId: () => string;
}

function choiceOf(candidate: GeminiCandidate, position: number, meta: CompletionMeta) {
  const { content, reasoning, toolCalls } = splitParts(candidate.content?.parts ?? [], meta.newToolCallId);
  return {
    index: candidate.index ?? position,
    message: {
      role: "assistant" as const,
      content: content === "" && toolCalls.length > 0 ? null : content,
      ...(reasoning ? { reasoning_content: reasoning } : {}),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      refusal: null,
    },
    logprobs: null,
    finish_reason: finishReasonOf(candidate.finishReason ?? "STOP", toolCalls.length > 0),
  };
}

export function toChatCompletion(response: GeminiResponse, meta: CompletionMeta) {
  const candidates = response.candidates ?? [];
  // A blocked prompt has no candidates, only promptFeedback.blockReason.
  const choices =
    candidates.length === 0 && response.promptFeedback?.blockReason
      ? [{ index: 0, message: { role: "assistant" as const, content: "", refusal: null }, logprobs: null, finish_reason: "content_filter" as const }]
      : candidates.map((c, i) => choiceOf(c, i, meta));
  const usage = response.usageMetadata ? toUsage(response.usageMetadata) : null;
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    choices,
    ...(usage ? { usage: openAIUsage(usage) } : {}),
  };
}

/** The completion id: Gemini's responseId when it sent one, so logs on both sides match. */
export function completionId(responseId: string | undefined): string {
  return `chatcmpl-${responseId ?? crypto.randomUUID().replaceAll("-", "")}`;
}
