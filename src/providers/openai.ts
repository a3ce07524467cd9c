/** OpenAI: the reference wire format, so the body passes through almost as sent. */
import type { ChatCompletionRequest, ChatMessage } from "./chat-schema";
import { baseBody, createOpenAICompatibleProvider } from "./openai-compatible/adapter";

/**
 * Drops what other providers' turns carry (reasoning text, Anthropic thinking
 * blocks, Gemini signatures on tool calls): OpenAI's API does not take them.
 * Annotations of an earlier answer are output metadata and are not sent either.
 */
function forOpenAI(message: ChatMessage): ChatMessage {
  if (message.role !== "assistant") return message;
  const { reasoning_content: _r, thinking_blocks: _t, annotations: _a, ...rest } = message;
  if (!rest.tool_calls) return rest;
  return { ...rest, tool_calls: rest.tool_calls.map(({ extra_content: _e, ...call }) => call) };
}

/** OpenAI's request body (Azure OpenAI's too, with its deployment as the model). */
export function openAIBody(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown> {
  const body = baseBody(request, upstreamModel);
  body.messages = request.messages.map(forOpenAI);
  // Usage must always be known (limits, logs, billing): ask for it on every
  // stream; the relay hides the usage chunk again unless the client asked.
  if (request.stream) body.stream_options = { ...request.stream_options, include_usage: true };
  return body;
}

export const openai = createOpenAICompatibleProvider({ wire: "openai", buildBody: openAIBody, usageMode: "usage-chunk" });
