/**
 * What the stream relay (./relay.ts) asks of a stream translator, and the
 * helpers translators share to read upstream events and write error events.
 */
import type { z } from "zod";
import type { ApiError } from "../shared/errors";
import type { SseEvent } from "./sse";
import type { Usage } from "./types";

export interface SseTranslator {
  /** Complete upstream events in, events for the client out. */
  push(events: SseEvent[]): SseEvent[];
  /**
   * The upstream ended cleanly. "incomplete": it ended without its final event
   * (the relay adds an error event); "failed": the upstream sent its own error,
   * already translated.
   */
  end(): { events: SseEvent[]; state: "complete" | "incomplete" | "failed" };
  /** Usage seen so far. */
  usage(): Usage | null;
  /**
   * The text the upstream generated so far (see GeneratedText), read only when
   * the stream ends early (the client left, or the upstream failed after
   * commit). A translator that re-shapes another relay's output (whose relay
   * reports the outcome) has none.
   */
  generated?(): string;
  /** A terminal error event in the client's format. */
  error(code: string, message: string): SseEvent[];
}

/** A translator of a provider's own stream: it knows when content starts and what an error event means. */
export interface CommittingTranslator extends SseTranslator {
  /** Content for the client has been produced (text, reasoning, tool call, finish): the response is committed. */
  committed(): boolean;
  /** The upstream's own error seen in the stream (or an event it could not read), as the router's error; null while none. */
  failure(): ApiError | null;
}

/**
 * A provider's translator followed by a translator from its OpenAI-format
 * output to the client's format (/v1/messages on a route that does not speak
 * Anthropic's), run as one translator in the provider's relay: the OpenAI
 * events pass between the two as objects, never encoded to bytes and parsed
 * again. The provider's translator decides commit, failure, the end's state,
 * usage and generated text (the outcome), as it does alone; everything it
 * emits, its error events and its tail included, reaches the client through
 * the second translator.
 */
export function thenTranslate(provider: CommittingTranslator, client: SseTranslator): CommittingTranslator {
  const composed: CommittingTranslator = {
    push: (events) => client.push(provider.push(events)),
    end() {
      const { events, state } = provider.end();
      return { events: client.push(events), state };
    },
    error: (code, message) => client.push(provider.error(code, message)),
    committed: () => provider.committed(),
    failure: () => provider.failure(),
    usage: () => provider.usage(),
  };
  if (provider.generated) composed.generated = () => provider.generated!();
  return composed;
}

/** An event's data as JSON; undefined when it is not JSON. */
export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** An event's JSON checked against a schema; null when it is not JSON or does not fit. */
export function parseEventData<T>(data: string, schema: z.ZodType<T>): T | null {
  const json = parseJson(data);
  if (json === undefined) return null;
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** OpenAI-format terminal error event. */
export function openAIErrorEvent(code: string, message: string): SseEvent[] {
  return [{ data: JSON.stringify({ error: { message, type: "upstream_error", code, param: null } }) }];
}
