/** Helpers for the response cache's routing tests: a request that waits for its after-response work (the cache store). */
import type { LogEvent } from "../../src/shared/log-event";
import { callWithLog, chatInit, readBody } from "./log-capture";

export type CachedPath = "/v1/chat/completions" | "/v1/messages";

export const TTL = { "x-emby-cache-ttl": "60" };

export interface Sent {
  res: Response;
  text: string;
  /** The request's one log event. */
  event: LogEvent;
}

/**
 * Sends a request, reads its body and waits for its waitUntil work (the log
 * event, a miss's store), so the next request sees what this one stored.
 */
export async function send(path: CachedPath, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Sent> {
  const init = path === "/v1/chat/completions"
    ? chatInit(key, body)
    : { method: "POST", headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" }, body: JSON.stringify(body) };
  const made = await callWithLog(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
  const text = await readBody(made.response);
  const events = await made.settled();
  if (events.length !== 1) throw new Error(`expected one log event, got ${events.length}`);
  return { res: made.response, text, event: events[0]! };
}

/** The `data:` payloads of an SSE body, `[DONE]` kept as the string. */
export function dataOf(text: string): unknown[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"))
    .filter((d) => d.length > 0)
    .map((d) => (d === "[DONE]" ? d : JSON.parse(d)));
}

/** The `event:` names of an SSE body, in order. */
export const eventNames = (text: string) => text.split("\n").filter((l) => l.startsWith("event: ")).map((l) => l.slice(7));
