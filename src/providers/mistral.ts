/**
 * Mistral (La Plateforme, EU-hosted). OpenAI-compatible with differences its API
 * enforces with 422 on any unknown field: no `stream_options` (usage always comes
 * on the final chunk), `random_seed` instead of `seed`, no `developer` role.
 */
import type { ChatCompletionRequest, ChatMessage } from "./chat-schema";
import { createOpenAICompatibleProvider } from "./openai-compatible/adapter";
import { rejectUnsupported } from "./params";
import { ApiError } from "../shared/errors";

const LABEL = "Mistral";

const UNSUPPORTED: readonly (keyof ChatCompletionRequest)[] = [
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "audio",
  "modalities",
  "web_search_options",
  "service_tier",
  "store",
  "metadata",
  "verbosity",
  "functions",
  "function_call",
  "reasoning_effort",
];

/** OpenAI's prompt-cache breakpoints are a hint Mistral's strict API would reject: not sent. */
function withoutCacheHints<P extends { prompt_cache_breakpoint?: unknown }>(content: string | P[]): string | Omit<P, "prompt_cache_breakpoint">[] {
  return typeof content === "string" ? content : content.map(({ prompt_cache_breakpoint: _b, ...part }) => part);
}

function mapMessage(message: ChatMessage, index: number): Record<string, unknown> {
  switch (message.role) {
    case "developer":
    case "system":
      return { role: "system", content: withoutCacheHints(message.content) };
    case "user":
      if (Array.isArray(message.content) && message.content.some((p) => p.type === "input_audio" || p.type === "file")) {
        throw new ApiError(400, "invalid_request_error", "unsupported_content", `Audio and file inputs are not supported by ${LABEL} models.`, `messages[${index}].content`);
      }
      return { role: "user", content: withoutCacheHints(message.content) };
    case "assistant":
      // Reasoning text, thinking blocks and Gemini signatures are not Mistral's to see.
      return {
        role: "assistant",
        content: message.content ?? null,
        ...(message.tool_calls ? { tool_calls: message.tool_calls.map(({ extra_content: _e, ...call }) => call) } : {}),
      };
    case "tool":
      return { role: "tool", content: withoutCacheHints(message.content), tool_call_id: message.tool_call_id };
    case "function":
      throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `The deprecated 'function' role is not supported by ${LABEL} models; use tools.`, `messages[${index}].role`);
  }
}

export const mistral = createOpenAICompatibleProvider({
  wire: "mistral",
  buildBody(r, upstreamModel) {
    rejectUnsupported(r, UNSUPPORTED, LABEL);
    // Built from an allow-list: `user`, `safety_identifier` and `prompt_cache_key`
    // are hints with no effect on output and are not sent (see docs/providers.md).
    const body: Record<string, unknown> = {
      model: upstreamModel,
      messages: r.messages.map(mapMessage),
      stream: r.stream ?? false,
      temperature: r.temperature,
      top_p: r.top_p,
      max_tokens: r.max_completion_tokens ?? r.max_tokens,
      stop: r.stop,
      random_seed: r.seed,
      presence_penalty: r.presence_penalty,
      frequency_penalty: r.frequency_penalty,
      n: r.n,
      tools: r.tools,
      tool_choice: r.tool_choice,
      parallel_tool_calls: r.parallel_tool_calls,
      response_format: r.response_format,
      prediction: r.prediction,
    };
    for (const key of Object.keys(body)) if (body[key] === undefined || body[key] === null) delete body[key];
    return body;
  },
  usageMode: "final-chunk",
});
