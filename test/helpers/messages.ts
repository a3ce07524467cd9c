/** Helpers for /v1/messages tests. */
import { call, sseEvents } from "./router";

/**
 * A conversation with everything a passthrough must keep as sent: a cached
 * system block, thinking, an earlier turn's signed thinking and tool use, a
 * cached tool result.
 */
export function passthroughConversation(model: string, marker: string) {
  return {
    model,
    max_tokens: 2048,
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
    thinking: { type: "enabled", budget_tokens: 1024 },
    tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
    messages: [
      { role: "user", content: marker },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Earlier thought.", signature: "sig-earlier" },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny", cache_control: { type: "ephemeral" } }] },
    ],
  };
}

export function messages(key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call("/v1/messages", {
    method: "POST",
    headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export interface AnthropicEvent {
  event: string;
  data: Record<string, unknown> & { type: string };
}

/** Reads an Anthropic SSE response into (event, data) pairs. */
export async function anthropicEvents(res: Response): Promise<AnthropicEvent[]> {
  return sseEvents<AnthropicEvent["data"]>(await res.text());
}
