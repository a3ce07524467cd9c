/**
 * The one stream relay every adapter uses: reads upstream SSE bytes, hands the
 * complete events of each read to a translator, and writes what it returns in
 * one piece, so nothing is buffered beyond a partial event and chunking is
 * preserved. It reports the call's outcome exactly once: completed, failed
 * upstream (the client gets an error event in its format), or abandoned by the
 * client (seen through the request signal; cancel() is not relied on).
 */
import type { z } from "zod";
import { encodeSse, SseParser, type SseEvent } from "./sse";
import type { CallOutcome, ChatResult, Usage } from "./types";

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
   * the client abandons the stream. A translator that re-shapes another relay's
   * output (whose relay reports the outcome) has none.
   */
  generated?(): string;
  /** A terminal error event in the client's format. */
  error(code: string, message: string): SseEvent[];
}

export interface RelayOptions {
  clientSignal: AbortSignal;
  onOutcome?: (outcome: CallOutcome) => void;
}

export function relaySse(upstream: ReadableStream<Uint8Array>, translator: SseTranslator, opts: RelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const parser = new SseParser();
  let firstByteAt: number | null = null;
  let settled = false;
  const settle = (result: CallOutcome["result"]) => {
    if (settled) return;
    settled = true;
    const outcome: CallOutcome = { usage: translator.usage(), result, firstByteAt };
    // Only an abandoned stream is billed from its text (the provider's usage never came).
    if (result === "client_aborted" && translator.generated) outcome.generated = translator.generated();
    opts.onOutcome?.(outcome);
  };
  opts.clientSignal.addEventListener(
    "abort",
    () => {
      settle("client_aborted");
      reader.cancel().catch(() => {});
    },
    { once: true },
  );

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Loop until something is written: a pull that enqueues nothing is not
      // called again by the stream, which would leave the reader hanging.
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch {
          if (opts.clientSignal.aborted) {
            settle("client_aborted");
            controller.close();
            return;
          }
          controller.enqueue(encodeSse(translator.error("upstream_stream_interrupted", "The connection to the upstream provider was lost mid-stream.")));
          settle("upstream_error");
          controller.close();
          return;
        }
        if (chunk.done) {
          const tail = translator.push(parser.end());
          const { events, state } = translator.end();
          tail.push(...events);
          if (state === "incomplete") tail.push(...translator.error("upstream_stream_incomplete", "The upstream stream ended before completion."));
          if (tail.length > 0) controller.enqueue(encodeSse(tail));
          settle(state === "complete" ? "completed" : "upstream_error");
          controller.close();
          return;
        }
        firstByteAt ??= Date.now();
        const events = translator.push(parser.push(chunk.value));
        if (events.length > 0) {
          controller.enqueue(encodeSse(events));
          return;
        }
      }
    },
    async cancel(reason) {
      settle("client_aborted");
      await reader.cancel(reason).catch(() => {});
    },
  });
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

/** A streamed ChatResult: the relayed body and the outcome it will report. */
export function streamingResult(upstream: ReadableStream<Uint8Array>, translator: SseTranslator, clientSignal: AbortSignal, headers: Record<string, string>): ChatResult {
  let resolveOutcome!: (o: CallOutcome) => void;
  const outcome = new Promise<CallOutcome>((resolve) => (resolveOutcome = resolve));
  const stream = relaySse(upstream, translator, { onOutcome: resolveOutcome, clientSignal });
  return { response: new Response(stream, { status: 200, headers }), outcome };
}
