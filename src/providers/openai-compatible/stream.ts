/**
 * Relays an OpenAI-format SSE stream to the client event by event. It never
 * buffers beyond one partial event: everything complete in an upstream read is
 * written in one piece, so chunking is preserved and nothing is coalesced.
 *
 * Usage is always requested upstream; this is where it is captured and, if the
 * client did not ask for it (`stream_options.include_usage`), removed again.
 */
import { encodeSse, SseParser, type SseEvent } from "../sse";
import type { CallOutcome, Usage } from "../types";
import { chatChunkSchema, toUsage } from "./usage";

export interface RelayOptions {
  clientWantsUsage: boolean;
  /**
   * "usage-chunk": usage arrives in its own chunk with empty choices (OpenAI).
   * "final-chunk": usage rides on the chunk carrying finish_reason (Mistral); it
   * is split off into its own chunk so clients see OpenAI's shape.
   */
  usageMode: "usage-chunk" | "final-chunk";
  /** Request start, for first-byte timing. */
  onOutcome(outcome: CallOutcome): void;
  clientSignal: AbortSignal;
}

// Cheap pre-check so that only chunks that can carry usage are JSON-parsed.
const MAY_HAVE_USAGE = /"usage"\s*:\s*\{/;

const encoder = new TextEncoder();

export function streamErrorEvent(code: string, message: string): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify({ error: { message, type: "upstream_error", code, param: null } })}\n\n`);
}

export function relayOpenAIStream(upstream: ReadableStream<Uint8Array>, opts: RelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const parser = new SseParser();
  let usage: Usage | null = null;
  let sawDone = false;
  let firstByteAt: number | null = null;
  let settled = false;
  const settle = (result: CallOutcome["result"]) => {
    if (settled) return;
    settled = true;
    opts.onOutcome({ usage, result, firstByteAt });
  };

  const rewrite = (events: SseEvent[]): SseEvent[] => {
    const out: SseEvent[] = [];
    for (const e of events) {
      if (e.data === "[DONE]") {
        sawDone = true;
        out.push(e);
        continue;
      }
      if (!MAY_HAVE_USAGE.test(e.data)) {
        out.push(e);
        continue;
      }
      const parsed = chatChunkSchema.safeParse(safeJson(e.data));
      if (!parsed.success || !parsed.data.usage) {
        out.push(e);
        continue;
      }
      usage = toUsage(parsed.data.usage);
      const chunk = parsed.data;
      const hasChoices = (chunk.choices?.length ?? 0) > 0;
      if (opts.usageMode === "usage-chunk" || !hasChoices) {
        if (opts.clientWantsUsage) out.push(e);
        continue;
      }
      // Final content chunk with usage attached: split it as OpenAI does.
      out.push({ data: JSON.stringify({ ...chunk, usage: undefined }) });
      if (opts.clientWantsUsage) out.push({ data: JSON.stringify({ ...chunk, choices: [], usage: chunk.usage }) });
    }
    return out;
  };

  // A vanished client is detected through the request signal, not through
  // cancel(), which the runtime does not promise to call.
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
      try {
        const { done, value } = await reader.read();
        if (done) {
          const tail = rewrite(parser.end());
          if (tail.length > 0) controller.enqueue(encodeSse(tail));
          if (!sawDone) {
            controller.enqueue(streamErrorEvent("upstream_stream_incomplete", "The upstream stream ended before completion."));
            settle("upstream_error");
          } else settle("completed");
          controller.close();
          return;
        }
        firstByteAt ??= Date.now();
        const events = rewrite(parser.push(value));
        if (events.length > 0) controller.enqueue(encodeSse(events));
      } catch {
        if (opts.clientSignal.aborted) {
          settle("client_aborted");
          controller.close();
          return;
        }
        controller.enqueue(streamErrorEvent("upstream_stream_interrupted", "The connection to the upstream provider was lost mid-stream."));
        settle("upstream_error");
        controller.close();
      }
    },
    async cancel(reason) {
      settle("client_aborted");
      await reader.cancel(reason).catch(() => {});
    },
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
