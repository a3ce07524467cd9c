/** Helpers for /v1/messages tests. */
import { call } from "./router";

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
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return { event, data: JSON.parse(data) as AnthropicEvent["data"] };
    });
}
