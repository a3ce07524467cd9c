/** Anthropic Messages response → OpenAI chat completion. Pure. */
import type { Usage } from "../types";
import { openAIUsage } from "../usage";
import type { AnthropicMessage, AnthropicUsage } from "./schema";

const FINISH: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

export function finishReason(stopReason: string | null | undefined): string | null {
  return stopReason ? (FINISH[stopReason] ?? "stop") : null;
}

/** Folds a later usage report into an earlier one: fields it leaves null keep their value. */
export function mergeUsage(earlier: AnthropicUsage, later: AnthropicUsage | undefined): AnthropicUsage {
  if (!later) return earlier;
  return { ...earlier, ...Object.fromEntries(Object.entries(later).filter(([, v]) => v != null)) };
}

/**
 * Anthropic counts cache reads and writes apart from input_tokens; OpenAI's
 * prompt_tokens includes them, with cache reads reported as cached_tokens.
 * Thinking tokens are a breakdown of output_tokens
 * (`usage.output_tokens_details.thinking_tokens`, on the final message_delta
 * when streaming), as OpenAI's reasoning_tokens are of completion_tokens.
 */
export function anthropicUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  return {
    promptTokens: (u.input_tokens ?? 0) + cacheRead + (u.cache_creation_input_tokens ?? 0),
    completionTokens: u.output_tokens ?? 0,
    cachedTokens: cacheRead,
    reasoningTokens: u.output_tokens_details?.thinking_tokens ?? 0,
  };
}

export { openAIUsage } from "../usage";

type Block = { type: string } & Record<string, unknown>;

export function toOpenAICompletion(message: AnthropicMessage) {
  let text = "";
  let reasoning = "";
  const thinkingBlocks: Record<string, unknown>[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  for (const block of message.content as Block[]) {
    if (block.type === "text") text += String(block.text ?? "");
    else if (block.type === "thinking") {
      reasoning += String(block.thinking ?? "");
      thinkingBlocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    } else if (block.type === "redacted_thinking") thinkingBlocks.push({ type: "redacted_thinking", data: block.data });
    else if (block.type === "tool_use") {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const usage = anthropicUsage(message.usage);
  return {
    completion: {
      id: message.id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: message.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: text || (toolCalls.length > 0 ? null : ""),
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            ...(reasoning ? { reasoning_content: reasoning } : {}),
            ...(thinkingBlocks.length > 0 ? { thinking_blocks: thinkingBlocks } : {}),
          },
          logprobs: null,
          finish_reason: finishReason(message.stop_reason),
        },
      ],
      usage: openAIUsage(usage),
    },
    usage,
  };
}
